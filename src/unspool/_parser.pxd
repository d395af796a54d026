# C declarations for the compiled build of _parser.py (see setup.py and the rules at the top
# of _tokenizer.pxd).  Parser has no instance __dict__ (a heap type cannot have one in Cython
# 3.3, and Parser must be a heap type to be unspool.Parser): every attribute the .py assigns
# must be declared here, else the compiled build raises AttributeError.
cimport cython

from ._events cimport (
    UNSPOOL_COUNTS_ARE_EXACT,
    completed,
    delta,
    dropped,
    recycle,
    refill_delta,
)
from ._tokenizer cimport (
    T_BEGIN_OBJECT,
    T_DOCUMENT,
    T_END_ARRAY,
    T_END_OBJECT,
    T_KEY,
    T_SCALAR,
    T_STRING,
    T_STRING_END,
    T_STRING_PART,
    T_STRING_START,
    Tokenizer,
)

cdef bint _COMPILED
cdef bint _AT_ONCE
cdef class Parser


# `value` as a slot, and the open string grown in place (_snapshot.h says why and how).
cdef extern from "_snapshot.h":
    int _value_slot "UNSPOOL_VALUE_SLOT"(type cls, Parser probe) except -1
    int _grow "UNSPOOL_GROW"(Parser parser, str tail) except -1
    int _trim "UNSPOOL_TRIM"(Parser parser) except -1
cdef Py_ssize_t _PACK  # a C constant: len(parts) > _PACK is a C compare


cdef class Parser:
    cdef object __weakref__  # track() finalizes on collection
    cdef public bint _events
    cdef public Tokenizer _tokenizer
    cdef public object _root
    cdef public list _containers
    cdef public list _path
    cdef public list _paths  # the event paths of the open containers (issue 11's events work)
    cdef public object _document  # an int, passed to every event (no boxing per event)
    cdef public object _error
    cdef public bint _changed
    cdef public str _string_shown
    cdef Py_ssize_t _string_room  # characters _string_shown can take in place (_snapshot.h)
    cdef public str _string_tail
    cdef public list _string_parts
    cdef public list _string_blocks
    cdef public object _string_parent
    cdef public object _string_slot
    cdef public object _string_path
    cdef public bint _string_stale
    cdef public list _holds
    cdef public list _tokens
    cdef public list _deltas
    cdef public list _returned
    cdef public object _extract

    # Private helpers: C calls (no Python call, no bound method per call).
    cdef list _text_delta(self, str text)
    cdef list _new_events(self)
    @cython.locals(parts=list, blocks=list, text=str, index=Py_ssize_t)
    cdef _show_string(self)
    cdef _key(self, key)
    cdef _release(self)
    cdef _pack_string(self)
    cdef _more_string(self, str text)
    cdef _attach(self, value)
    @cython.locals(token=tuple, kind=int)
    cdef list _apply(self, list tokens)
    cdef _start_string(self, str text, list events)
    cdef bint _end_string(self, str text, list events) except -1
    cdef _open(self, bint is_object)
