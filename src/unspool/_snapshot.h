/* unspool's C for the compiled parser (declared in _parser.pxd, called from _parser.py's
   compiled branches): the snapshot as a plain slot, and the open string grown in place.

   A UI reads `parser.value` after every chunk.  As a property (a getset descriptor) each read
   took CPython's generic attribute lookup and a call: 3.11 does not specialise LOAD_ATTR for
   it, and a tp_getattro of our own would cost more than it saves (3.11 then stops
   specialising LOAD_METHOD too, so `parser.feed(chunk)` would build a bound method per call).
   So in the compiled build `value` is a read-only member descriptor on the `_root` field
   (UNSPOOL_VALUE_SLOT), which 3.11+ reads as LOAD_ATTR_SLOT: a type check and a load.  The
   snapshot must then be current after every feed, the open string included, without costing
   more than the chunk, read or not.  UNSPOOL_GROW appends a chunk's characters to the open
   string in place, in room allocated past its length, while only its two holders can see it:
   the snapshot (its container, or `_root`) and the parser's `_string_shown`, and nothing
   cached its hash, its UTF-8 form or interned it (CPython's own `s += t` rule, with the two
   holders that both see the same object).  Otherwise it makes a new string with room to grow
   (geometric: amortised O(1) per character) that the parser puts in the snapshot in the old
   one's place; the old one, which a user may hold, never changes.  The room is invisible to
   Python (it lies past the length and its NUL); UNSPOOL_TRIM drops a large one when the
   string ends. */
#ifndef UNSPOOL_SNAPSHOT_H
#define UNSPOOL_SNAPSHOT_H

#include <Python.h>
#include <structmember.h>

#define UNSPOOL_VALUE_SLOT(type, probe) \
    unspool_value_slot((type), (Py_ssize_t)((char *)&(probe)->_root - (char *)(probe)))
#define UNSPOOL_GROW(self, tail) \
    unspool_grow(&(self)->_string_shown, &(self)->_string_room, (tail))
#define UNSPOOL_TRIM(self) unspool_trim(&(self)->_string_shown, &(self)->_string_room)
/* stream_model's builder shows its own copy of the open string in the partial: the same rule. */
#define UNSPOOL_GROW_PARTIAL(builder, tail) \
    unspool_grow(&(builder)->_grow_text, &(builder)->_grow_room, (tail))

/* Room a trimmed string may keep (characters): short strings keep theirs, no copy. */
#define UNSPOOL_KEEP_ROOM 16

/* Make `type.value` a read-only member descriptor on the object field at `offset`, with the
   property's docstring (0, or -1 with an exception). */
CYTHON_UNUSED static int unspool_value_slot(PyObject *type, Py_ssize_t offset) {
    static PyMemberDef member = {"value", T_OBJECT_EX, 0, READONLY, NULL};
    PyTypeObject *tp = (PyTypeObject *)type;
    PyObject *name = PyUnicode_InternFromString("value");
    if (name == NULL)
        return -1;
    PyObject *old = PyDict_GetItemWithError(tp->tp_dict, name);  /* borrowed */
    if (old == NULL || !Py_IS_TYPE(old, &PyGetSetDescr_Type)) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "unspool: Parser.value is not a property");
        Py_DECREF(name);
        return -1;
    }
    member.offset = offset;
    member.doc = ((PyGetSetDescrObject *)old)->d_getset->doc;
    PyObject *descr = PyDescr_NewMember(tp, &member);
    int err = descr == NULL ? -1 : PyDict_SetItem(tp->tp_dict, name, descr);
    Py_XDECREF(descr);
    Py_DECREF(name);
    PyType_Modified(tp);
    return err;
}

/* May `s` take more characters in place: seen by its two holders only, and nothing keeps
   anything derived from its characters (hash, UTF-8, interning)?  Never without the GIL. */
static int uss_private(PyObject *s) {
#ifdef Py_GIL_DISABLED
    (void)s;
    return 0;
#else
    if (Py_REFCNT(s) != 2 || !PyUnicode_CheckExact(s) || !PyUnicode_IS_COMPACT(s)
            || PyUnicode_CHECK_INTERNED(s) || ((PyASCIIObject *)s)->hash != -1)
        return 0;
#if PY_VERSION_HEX < 0x030C0000
    if (((PyASCIIObject *)s)->wstr != NULL)
        return 0;
#endif
    return PyUnicode_IS_ASCII(s) || ((PyCompactUnicodeObject *)s)->utf8 == NULL;
#endif
}

/* Set the length of `s`, a compact string of ours, to `n` (its room holds n characters). */
static void uss_set_length(PyObject *s, Py_ssize_t n) {
    ((PyASCIIObject *)s)->length = n;
    PyUnicode_WRITE(PyUnicode_KIND(s), PyUnicode_DATA(s), n, 0);  /* the NUL after the end */
}

/* *shown += tail: in place when its room takes tail and it is private (0), else a new string
   with room replaces it in *shown and *room (1: the caller shows it in the snapshot); -1 with
   an exception. */
CYTHON_UNUSED static int unspool_grow(PyObject **shown, Py_ssize_t *room, PyObject *tail) {
    PyObject *s = *shown;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), m = PyUnicode_GET_LENGTH(tail);
    if (m == 0)
        return 0;
    int kind = PyUnicode_KIND(s), tail_kind = PyUnicode_KIND(tail);
    if (m <= *room && PyUnicode_MAX_CHAR_VALUE(tail) <= PyUnicode_MAX_CHAR_VALUE(s)
            && uss_private(s)) {
        void *data = PyUnicode_DATA(s);
        const void *from = PyUnicode_DATA(tail);
        if (kind == tail_kind) {
            memcpy((char *)data + n * kind, from, (size_t)(m * kind));
        } else {  /* a narrower tail: widen each character */
            for (Py_ssize_t i = 0; i < m; i++)
                PyUnicode_WRITE(kind, data, n + i, PyUnicode_READ(tail_kind, from, i));
        }
        uss_set_length(s, n + m);
        *room -= m;
        return 0;
    }
    Py_ssize_t length = n + m;
    if (length > (PY_SSIZE_T_MAX - 16) / 3 * 2) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t capacity = length + length / 2 + 16;
    Py_UCS4 maxchar = PyUnicode_MAX_CHAR_VALUE(s);  /* both canonical: so is the result */
    if (PyUnicode_MAX_CHAR_VALUE(tail) > maxchar)
        maxchar = PyUnicode_MAX_CHAR_VALUE(tail);
    PyObject *grown = PyUnicode_New(capacity, maxchar);
    if (grown == NULL)
        return -1;
    if (PyUnicode_CopyCharacters(grown, 0, s, 0, n) < 0
            || PyUnicode_CopyCharacters(grown, n, tail, 0, m) < 0) {
        Py_DECREF(grown);
        return -1;
    }
    uss_set_length(grown, length);
    *room = capacity - length;
    Py_SETREF(*shown, grown);
    return 1;
}

/* The open string ended: an exact copy replaces it if its room is large (1, as for
   unspool_grow), else it stays (0); -1 with an exception. */
CYTHON_UNUSED static int unspool_trim(PyObject **shown, Py_ssize_t *room) {
    if (*room <= UNSPOOL_KEEP_ROOM) {
        *room = 0;
        return 0;
    }
    PyObject *s = *shown;
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    PyObject *exact = PyUnicode_New(n, PyUnicode_MAX_CHAR_VALUE(s));
    if (exact == NULL)
        return -1;
    memcpy(PyUnicode_DATA(exact), PyUnicode_DATA(s), (size_t)(n * PyUnicode_KIND(s)));
    *room = 0;
    Py_SETREF(*shown, exact);
    return 1;
}

#endif
