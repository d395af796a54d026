# C declarations for the compiled build of _builder.py (see setup.py and the rules at the top of
# _tokenizer.pxd): every attribute the .py assigns is declared here, and a private method
# declared `cdef` keeps the .py's name and arguments.  Only the builder's own state is C; the
# places (_validate._Shape), the parser and pydantic are reached as Python objects.

cimport cython

from ._events cimport UNSPOOL_COUNTS_ARE_EXACT, _Delta, _Event

# What an open container shows (the .py's B_* ints, here C constants).
cdef int B_OBJECT, B_TYPED, B_LIST, B_DICT, B_IGNORE, B_HELD


@cython.final  # private: never subclassed, so its methods are plain C calls
@cython.auto_pickle(False)
cdef class _Open:
    cdef public object place
    cdef public object slot
    cdef public object raw
    cdef public object path
    cdef public object last_done
    cdef public list held
    cdef public object stream
    cdef public dict fields
    cdef public object value
    cdef public object into
    cdef public object seen  # a set (a partial's own model_fields_set)
    cdef public object done  # a set (a partial's own completed() set)
    cdef public int mode

    cdef become(self, stream)
    cdef tuple child(self, key)
    cdef shown(self, slot)
    cdef put(self, slot, value, bint done)


# Subclassed by the generic PartialBuilder (a Python class): not final.
@cython.auto_pickle(False)
cdef class _Builder:
    cdef object __weakref__  # track(): is_complete's weak set of live builders
    cdef public object model
    cdef public object partial
    cdef public object _target
    cdef public object _root
    cdef public dict _wrappers
    cdef public object _parser
    cdef public object _parse  # the parser's bound feed
    cdef public list _stack
    cdef public Py_ssize_t _held
    cdef public bint _changed
    cdef public bint _root_done
    cdef public object _error
    cdef public bint _closed
    cdef public object _final
    cdef public object _grow_path
    cdef public object _grow_into
    cdef public object _grow_slot
    cdef public object _grow_text
    cdef Py_ssize_t _grow_room  # characters _grow_text can take in place (_snapshot.h)

    @cython.locals(events=list, delta=_Event)
    cpdef bint feed(self, chunk) except? -1
    cdef bint _apply(self, list events) except? -1
    @cython.locals(stack=list, b=_Open, depth=Py_ssize_t, held=Py_ssize_t)
    cdef _complete(self, event)
    cdef _leaf(self, _Open parent, path, raw)
    cdef _put(self, _Open parent, slot, value, bint done, wrap)
    cdef _wrapped(self, shown, value, bint done, wrap)
    cdef _root_leaf(self, raw)
    cdef _show_root(self, value, bint done)
    @cython.locals(stack=list, parent=_Open)
    cdef _finish(self, _Open b, raw)
    cdef _resolve(self, _Open b, Py_ssize_t index, event)
    @cython.locals(stack=list)
    cdef _push_at(self, path)
    @cython.locals(stack=list, parent=_Open, b=_Open)
    cdef _push(self, key, raw)
    @cython.locals(stack=list, b=_Open)
    cdef _spine(self, events)
    cdef _show_root_string(self, text)
    cdef _show_string(self, _Open b, key, text)


cdef bint _AT_ONCE
# The open string grown in place in the partial, as in the parser (_snapshot.h).
cdef extern from "_snapshot.h":
    int _grow "UNSPOOL_GROW_PARTIAL"(_Builder builder, str tail) except -1
