# C declarations for the compiled build of _tokenizer.py (see setup.py); the .py stays the
# source and the reference.  Keep in step with it: an attribute the .py assigns must be
# declared here (as it must be in Tokenizer.__slots__; no instance __dict__, which would cost
# 8 bytes of every idle Parser's 2 KiB), a name declared here that the .py no longer assigns
# stays at its default, and a declared type the .py breaks (a list attribute set to a tuple)
# raises TypeError at run time in the compiled build.  A private method declared `cdef` here
# must keep the .py's name and arguments, else the build fails (and falls back to Python).
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


@cython.final  # never subclassed: its cpdef methods are plain C calls
cdef class Tokenizer:
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

    # The hot path: C calls between the helpers, C integers for indices and positions, a
    # character as a C code point.  `state` stays a Python int: it is compared with the S_*
    # module constants, which other modules import (a C enum would hide them from Python).
    # feed stays a def method: the Parser keeps it as a bound method, and a cpdef method
    # taken from a typed Tokenizer becomes a wrapper with the wrong C signature (Cython 3.3).
    @cython.locals(n=Py_ssize_t, i=Py_ssize_t, stop=Py_ssize_t, c=Py_UCS4)
    cdef Py_ssize_t _tokens(self, str text, Py_ssize_t base, list tokens) except? -2
    @cython.locals(c=Py_UCS4, j=Py_ssize_t)
    cdef Py_ssize_t _value(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens, state) except -1
    cdef Py_ssize_t _open_string(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens) except -1
    @cython.locals(n=Py_ssize_t, j=Py_ssize_t)
    cdef Py_ssize_t _number_at(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens) except -1
    @cython.locals(c=Py_UCS4, j=Py_ssize_t)
    cdef Py_ssize_t _key_at(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens, state) except -1
    cdef Py_ssize_t _scan_document(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens) except -1
    @cython.locals(n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t)
    cdef Py_ssize_t _resume(self, str text, Py_ssize_t base, list tokens) except? -2
    cdef _end_number(self, list tokens, Py_ssize_t end)
    @cython.locals(j=Py_ssize_t)
    cdef tuple _string_body(self, str text, Py_ssize_t i, Py_ssize_t base)
    @cython.locals(n=Py_ssize_t, j=Py_ssize_t, start=Py_ssize_t)
    cdef tuple _decode_string(self, str text, Py_ssize_t i, Py_ssize_t base)
    cdef _count_string(self, Py_ssize_t added, Py_ssize_t end)
    cdef tuple _whole_number(self, str run, Py_ssize_t pos, Py_ssize_t end)
    cdef tuple _number_token(self, str run, is_float, Py_ssize_t pos, Py_ssize_t end)
    cdef _more_number(self, str run)
    cdef Py_ssize_t _literal(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens) except? -2
