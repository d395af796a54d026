# C declarations for the compiled build of _parser.py (see setup.py and _tokenizer.pxd for
# the rules: the .py is the source; undeclared attributes land in __dict__).
from ._tokenizer cimport Tokenizer


cdef class Parser:
    cdef object __weakref__  # track() finalizes on collection
    cdef public bint _events
    cdef public Tokenizer _tokenizer
    cdef public object _tokenize
    cdef public object _root
    cdef public list _containers
    cdef public list _path
    cdef public Py_ssize_t _document
    cdef public object _error
    cdef public bint _changed
    cdef public list _string_parts
    cdef public list _string_blocks
    cdef public object _string_parent
    cdef public object _string_slot
    cdef public tuple _string_path
    cdef public bint _string_stale
    cdef public list _holds
    cdef public object _extract
