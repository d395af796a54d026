# C declarations for the compiled build of _events.py (see setup.py and the rules at the top of
# _tokenizer.pxd).  The storage of the events is C: the public dataclasses ValueCompleted and
# StringDelta are Python subclasses of _Completed and _Delta (a dataclass must stay a mutable
# Python class), and `completed`/`delta` fill a new event's C fields directly.

cimport cython
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.ref cimport Py_REFCNT, _Py_REFCNT

cdef bint _COMPILED
cdef list _SPARE_COMPLETED, _SPARE_DELTAS
cdef Py_ssize_t _SPARES


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


# recycle's tests: the list the parser returned last is held by the parser's local only
# (Parser._new_events), and an item of it by the list only.
cdef inline bint dropped(list events) noexcept:
    if not UNSPOOL_COUNTS_ARE_EXACT:
        return False
    return Py_REFCNT(events) == 1


cdef inline bint _unshared(list events, Py_ssize_t index) noexcept:
    return _Py_REFCNT(PyList_GET_ITEM(events, index)) == 1


@cython.locals(event=_Delta)
cpdef bint refill_delta(list events, prefix, str text, document) except -1


# pop() and `del events[:]` that keep the list's room: a list shrinks (realloc) when it falls
# under half its room, and to no room at all when emptied, so a list filled and emptied once
# per chunk would allocate its room again every chunk.  Nothing else holds these lists.
cdef extern from *:
    """
    static CYTHON_INLINE PyObject *unspool_take(PyObject *list) {
        Py_ssize_t last = PyList_GET_SIZE(list) - 1;
        Py_SET_SIZE((PyVarObject *)list, last);
        return PyList_GET_ITEM(list, last);  /* the list's reference, now the caller's */
    }
    static CYTHON_INLINE void unspool_truncate(PyObject *list) {
        Py_ssize_t size = PyList_GET_SIZE(list);
        Py_SET_SIZE((PyVarObject *)list, 0);
        while (size--)
            Py_DECREF(PyList_GET_ITEM(list, size));
    }
    """
    object _take "unspool_take"(list spares)
    void _truncate "unspool_truncate"(list events)


@cython.locals(index=Py_ssize_t, done=_Completed, part=_Delta)
cpdef recycle(list events)
cdef _empty(_Event event)
