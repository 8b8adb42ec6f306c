"""adapters layer; see bot/__init__.py for the layering."""
