"""The pipeline: runs the models for a date and publishes their result tables atomically."""

__all__: list[str] = []
