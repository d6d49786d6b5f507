"""A small ASGI service: the default app that the deployment roles install.

Replace it with your own application; it exists to show the shape the
roles expect (health and readiness endpoints, a ``migrate`` command) and to
give the deployment something real to test against.
"""

__version__ = "1.0.0"
