"""The server: accounts and login (``auth``), row-level access (``access``), the page's session
(``session``) and the Voila server with preheated kernels (``server``)."""

__all__: list[str] = []
