"""Format readers: each turns one file format into a :class:`~workbench.profiles.model.Profile`.

:mod:`workbench.profiles.io` picks the reader by sniffing the content.
"""
