"""vvic-desktop: image search across clothing-wholesale marketplaces, grouped by style (同款)."""

__version__ = "0.1.0"
APP_NAME = "vvic_desktop"
APP_AUTHOR = "VVIC"
