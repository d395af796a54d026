# C declarations for the compiled build of _events.py (see setup.py and the rules at the top of
# _tokenizer.pxd).  The storage of the events is C: the public dataclasses ValueCompleted and
# StringDelta are Python subclasses of _Completed and _Delta (a dataclass must stay a mutable
# Python class), and `completed`/`delta` fill a new event's C fields directly.

cimport cython
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.ref cimport Py_REFCNT, _Py_REFCNT

cdef bint _COMPILED


@cython.final
@cython.auto_pickle(False)
cdef class _DeepPath:
    cdef public object key
    cdef public object parent


@cython.auto_pickle(False)  # the public subclasses pickle their path (__reduce__)
cdef class _Event:
    cdef public object _last
    cdef public object _prefix
    cdef public object document


@cython.auto_pickle(False)
cdef class _Completed(_Event):
    cdef public object value


@cython.auto_pickle(False)
cdef class _Delta(_Event):
    cdef public object text


cpdef child_path(parent, key)
@cython.locals(keys=list)
cpdef tuple join_path(prefix, last)
@cython.locals(cls=type, event=_Completed)
cpdef completed(prefix, value, document, last)
@cython.locals(cls=type, event=_Delta)
cpdef delta(prefix, text, document, last)


# A reference count of 1 proves that no one else holds an object only where the GIL orders
# every change to it: never reuse on a free-threaded CPython (Py_GIL_DISABLED).
cdef extern from *:
    """
    #ifdef Py_GIL_DISABLED
    #define UNSPOOL_COUNTS_ARE_EXACT 0
    #else
    #define UNSPOOL_COUNTS_ARE_EXACT 1
    #endif
    """
    const bint UNSPOOL_COUNTS_ARE_EXACT


# refill_delta's test, on borrowed pointers (an `events[0]` would count one more reference).
# The caller passes its own local variable (Cython passes it as is, while an attribute read
# would be one more reference).
cdef inline bint _alone(list events) noexcept:
    cdef PyObject *event
    if not UNSPOOL_COUNTS_ARE_EXACT:
        return False
    if Py_REFCNT(events) != 1 or PyList_GET_SIZE(events) != 1:
        return False
    event = PyList_GET_ITEM(events, 0)
    return _Py_REFCNT(event) == 1


# The same test for a list returned empty (Parser._no_events): no one else holds it and the
# caller left it empty.
cdef inline bint unused(list events) noexcept:
    if not UNSPOOL_COUNTS_ARE_EXACT:
        return False
    return Py_REFCNT(events) == 1 and PyList_GET_SIZE(events) == 0

@cython.locals(event=_Delta)
cpdef bint refill_delta(list events, prefix, str text, document) except -1
