# C declarations for the compiled build of _splitter.py (see setup.py and the rules at the top
# of _tokenizer.pxd).  Splitter has no instance __dict__ (a heap type cannot have one in Cython
# 3.3, and Splitter must be a heap type to be unspool.Splitter): every attribute the .py
# assigns must be declared here, else the compiled build raises AttributeError.  Methods that
# _LineRecovery (a plain Python class) or the tests call are cpdef; the others cdef (C calls).
cimport cython

from ._tokenizer cimport TextBuffer, Tokenizer, _Held


@cython.final
cdef class _Kept:
    cdef public TextBuffer buffer
    cdef public Py_ssize_t start

    cdef str take(self, Py_ssize_t a, Py_ssize_t b, str text, Py_ssize_t base)
    cdef keep(self, Py_ssize_t start, str text, Py_ssize_t base)
    cdef tuple whole(self, str text, Py_ssize_t base)


cdef class Splitter:
    cdef object __weakref__  # a plain class could be weakly referenced: so can this one
    cdef public object _pointer
    cdef public bint _closed
    cdef public dict _options
    cdef public object _max_kept  # user-given limits stay Python ints
    cdef public bint _recover
    cdef public tuple _whole
    cdef public bint _with_raw
    cdef public bint _keep_scalars
    cdef public Py_ssize_t _count
    cdef public object _error
    cdef public object _bytes  # None, True or False
    cdef public bint _ready
    cdef public bint _front
    cdef public list _park
    cdef public Py_ssize_t _park_room
    cdef public Py_UCS4 _park_closer
    cdef public bint _park_line
    cdef public object _lines
    cdef public object _extract
    cdef public Tokenizer _tok
    cdef public tuple _origin
    cdef public int _mode
    cdef public Py_ssize_t _depth
    cdef public list _frames
    cdef public Py_ssize_t _start
    cdef public _Kept _kept
    cdef public Py_ssize_t _gap
    cdef public object _failure

    @cython.locals(room=Py_ssize_t)
    cpdef list feed(self, chunk)  # a Python call goes straight to the C function
    @cython.locals(tok=Tokenizer, park=list, tokens=list, held=_Held)
    cdef list _feed_ready(self, str chunk)
    cpdef _park_at(self, _Held held)
    cpdef str _unpark(self, str chunk)
    cdef list _feed_other(self, chunk)
    cpdef _checked(self, chunk)
    cpdef _close(self, list out)
    cpdef _real(self, piece, list out)
    cpdef _restart(self, Py_ssize_t pos, Py_ssize_t lines, Py_ssize_t byte_pos)
    cdef _take(self, list tokens, list out)
    @cython.locals(mode=int, depth=Py_ssize_t, kind=int, token=tuple)
    cdef object _apply(self, list tokens, str text, Py_ssize_t base, list out)
    @cython.locals(kind=int, container=bint, item=bint, frames=list, frame=list)
    cdef int _wrapper_token(self, tuple token, str text, Py_ssize_t base, list out) except -1
    @cython.locals(level=Py_ssize_t, frames=list)
    cdef int _enter(self, int kind, Py_ssize_t pos) except -1
    cdef _emit_text(self, Py_ssize_t end, str text, Py_ssize_t base, list out)
    cdef _emit(self, value, str raw, list out)
    @cython.locals(mode=int, kept=_Kept)
    cdef _keep(self, str text, Py_ssize_t base)
    cdef _absolute(self, err)
    cdef _failed(self, err, int where, str text, Py_ssize_t base)
