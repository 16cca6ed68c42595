"""Loaded at start-up by every Python process of the test session (``PYTHONPATH=tests/sandbox``):
the pytest process, notebook kernels and any Python subprocess. It installs the network guard when
``LESSON_NETWORK_GUARD`` asks for it (see netguard.py)."""
import netguard

netguard.install_if_requested()
