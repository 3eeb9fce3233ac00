"""The Qt user interface: the only layer that imports PySide6. It calls services, never SQL or HTTP."""
