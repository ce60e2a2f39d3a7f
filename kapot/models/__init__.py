"""The models: client features (SQL), seasonality, segments and the potential engine, with its
validation and backtests. They read the warehouse's base tables and return frames."""

__all__: list[str] = []
