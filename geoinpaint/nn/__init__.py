"""Network layers shared by several methods (as timm's `layers/`): VGG feature losses, partial
and gated convolutions. A layer used by one method only stays in that method's module."""
