"""The names of the models the builders make, importable without Keras (the configuration and
the command line check options against them before anything heavy loads)."""

# Kim (2014): embeddings learned from scratch, pretrained frozen, pretrained fine-tuned, or both.
VARIANTS = ("rand", "static", "non-static", "multichannel")
IMAGE_ARCHITECTURES = ("lenet5", "lenet-tutorial", "vgg", "resnet", "inception")
