"""Format readers: each turns one file format into a :class:`~workbench.profiles.model.Profile`.

:mod:`workbench.profiles.io` picks the reader by sniffing the content.
"""

from workbench.profiles.model import Frame

#: Leaf of a sample in which the profiler saw a thread but no Python frame
#: (py-spy writes an empty stack at thread start and exit). Keeping such
#: samples keeps totals equal to the file's, and every stack keeps a leaf.
NO_PYTHON_FRAME = Frame("(no Python frame)")
