"""Small NumPy references for convolution, pooling and batch normalisation, shared by the layer
and model tests. One example at a time: spatial axes first, channels last (``(H, W, C)`` or
``(T, C)``)."""

import numpy as np


def _as_2d(x, kernel=None):
    """Views a 1-D example ``(T, C)`` (and kernel ``(k, C, F)``) as 2-D with width 1."""
    if x.ndim == 2:
        x = x[:, None]
        kernel = None if kernel is None else kernel[:, None]
    return x, kernel


def _pairs(value):
    return (value, value) if isinstance(value, int) else (tuple(value) + (1,))[:2]


def reference_conv(x, kernel, bias=None, strides=1, padding="valid"):
    """Convolution (cross-correlation) of one example, 1-D ``(T, C)`` or 2-D ``(H, W, C)``."""
    rank = x.ndim - 1
    x, kernel = _as_2d(x, kernel)
    (sh, sw), (kh, kw) = _pairs(strides), kernel.shape[:2]
    if padding == "full":
        x = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
    elif padding == "same":
        out_h, out_w = -(-x.shape[0] // sh), -(-x.shape[1] // sw)
        pad_h = max((out_h - 1) * sh + kh - x.shape[0], 0)
        pad_w = max((out_w - 1) * sw + kw - x.shape[1], 0)
        x = np.pad(x, ((pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    rows = (x.shape[0] - kh) // sh + 1
    cols = (x.shape[1] - kw) // sw + 1
    out = np.zeros((rows, cols, kernel.shape[-1]))
    for i in range(rows):
        for j in range(cols):
            patch = x[i * sh: i * sh + kh, j * sw: j * sw + kw]
            out[i, j] = np.einsum("hwc,hwcf->f", patch, kernel)
    if bias is not None:
        out = out + bias
    return out[:, 0] if rank == 1 else out


def reference_pool(x, size, kind, strides=None, padding="valid"):
    """Max or average pooling of one example; `size` int or tuple; ``"same"`` only for stride 1."""
    rank = x.ndim - 1
    x, _ = _as_2d(x)
    (ph, pw) = _pairs(size) if rank == 2 else (size if isinstance(size, int) else size[0], 1)
    (sh, sw) = (ph, pw) if strides is None else (_pairs(strides) if rank == 2 else (strides, 1))
    if padding == "same":
        fill = -np.inf if kind == "max" else np.nan
        x = np.pad(x, (((ph - 1) // 2, ph // 2), ((pw - 1) // 2, pw // 2), (0, 0)),
                   constant_values=fill)
    rows, cols = (x.shape[0] - ph) // sh + 1, (x.shape[1] - pw) // sw + 1
    out = np.zeros((rows, cols, x.shape[-1]))
    for i in range(rows):
        for j in range(cols):
            window = x[i * sh: i * sh + ph, j * sw: j * sw + pw]
            out[i, j] = window.max(axis=(0, 1)) if kind == "max" else np.nanmean(window, axis=(0, 1))
    return out[:, 0] if rank == 1 else out


def reference_batch_norm(x, gamma, beta, mean, variance, epsilon):
    """Batch normalisation at inference, with moving statistics."""
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def reference_conv_bn(x, layer, activation=None):
    """A :class:`textcnn.layers.ConvBN` at inference, from the layer's weights; `activation` a
    NumPy function or ``None``."""
    bn = layer.batch_norm
    out = reference_conv(x, np.asarray(layer.conv.kernel), None, layer.strides, layer.padding)
    out = reference_batch_norm(out, np.asarray(bn.gamma), np.asarray(bn.beta),
                               np.asarray(bn.moving_mean), np.asarray(bn.moving_variance), bn.epsilon)
    return out if activation is None else activation(out)


def relu(x):
    return np.maximum(x, 0)
