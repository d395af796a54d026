# C declarations for the compiled build of _tokenizer.py (see setup.py); the .py stays the
# source and the reference.  Keep in step with it: an attribute assigned in the .py but not
# declared here still works (it lands in the instance __dict__, slower), a name declared
# here that the .py no longer assigns stays at its default, and a declared type the .py breaks
# (a list attribute set to a tuple) raises TypeError at run time in the compiled build.
# Integers that count characters or positions are Py_ssize_t (64-bit): never overflow.
# User-given limits stay objects (any Python int).

cimport cython


@cython.final  # private: never subclassed, so its methods are plain C calls
cdef class TextBuffer:
    cdef public list blocks
    cdef public list parts
    cdef public Py_ssize_t length

    cpdef reset(self, text)
    cpdef append(self, text)
    cpdef text(self)


cdef class Tokenizer:
    cdef dict __dict__  # attributes not declared below (see the note above)
    cdef object __weakref__
    cdef public bint multiple
    cdef public bint stop_after_document
    cdef public bint scan_documents
    cdef public bint allow_nan
    cdef public object max_depth
    cdef public object max_string
    cdef public object max_buffer
    cdef public Py_ssize_t _short_number
    cdef public object _scan_max
    cdef public object _scan
    cdef public object error
    cdef public list stack
    cdef public int state
    cdef public Py_ssize_t documents
    cdef public object _pending
    cdef public Py_ssize_t consumed
    cdef public Py_ssize_t _token_start
    cdef public Py_ssize_t _string_len
    cdef public TextBuffer _key
    cdef public TextBuffer _number
    cdef public int _number_state
    cdef public Py_ssize_t _lines
    cdef public Py_ssize_t _line_start
    cdef public Py_ssize_t _last_line_start
    cdef public object _decoder
    cdef public Py_ssize_t _bytes_done
    cdef public object _bad_utf8
    cdef public object last_text
    cdef public bint strip_bom
    cdef public bint _skipped
