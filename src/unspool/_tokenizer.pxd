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

# The .py's token kinds, grammar states, container kinds and number states, as C constants
# (the .py defines them only when not compiled).  A cpdef enum's names stay importable from
# Python as plain ints (the Parser, the Splitter and the tests import them); a compiled
# consumer may cimport them for C compares.
cpdef enum:
    T_BEGIN_OBJECT = 0
    T_END_OBJECT = 1
    T_BEGIN_ARRAY = 2
    T_END_ARRAY = 3
    T_KEY = 4
    T_SCALAR = 5
    T_STRING = 6
    T_STRING_START = 7
    T_STRING_PART = 8
    T_STRING_END = 9
    T_WHOLE = 10
    T_DOCUMENT = 10  # the Parser's name for T_WHOLE

cpdef enum:
    S_VALUE = 0
    S_VALUE_OR_CLOSE = 1
    S_KEY_OR_CLOSE = 2
    S_KEY = 3
    S_COLON = 4
    S_COMMA_OR_CLOSE = 5
    S_AFTER_DOCUMENT = 6
    S_IN_STRING = 7
    S_IN_KEY = 8
    S_IN_NUMBER = 9
    S_IN_LITERAL = 10

cpdef enum:
    OBJECT = 0
    ARRAY = 1

cpdef enum:
    N_MINUS = 0
    N_ZERO = 1
    N_INT = 2
    N_DOT = 3
    N_FRAC = 4
    N_EXP = 5
    N_EXP_SIGN = 6
    N_EXP_DIGITS = 7
    N_START = 8
    N_BAD = 9

cdef bint _COMPILED  # True: the branches that call the C loops below
cpdef check_limits(max_depth, max_string, max_buffer)  # a C call from Tokenizer._setup
cdef _check_limit(str name, limit)
cdef str _escaped_part(str text)  # a C call from feed's fast path (a str or None)
cdef Py_ssize_t _SHORT_HELD  # a C constant: _grown's length test is a C compare
@cython.locals(text=str)
cdef object _grown(object held, str piece)
cdef tuple _BARE  # a bracket's token without its position, by kind


# The compiled build's own reader of whole values (_tokenizer.py's `_whole`) and its newline
# count, in C: _whole_scan.h (its comments say how it agrees with the tokens).
cdef extern from "_whole_scan.h":
    Py_ssize_t _count_newlines "unspool_count_newlines"(str text) except -1
    object _scan_whole "unspool_scan_whole"(str text, Py_ssize_t i, object constants,
                                            bint duplicates, Py_ssize_t room)
    object _joined_number "unspool_joined_number"(str held, str text, Py_ssize_t j,
                                                  bint is_float)
    object _short_float "unspool_short_float"(str text, Py_ssize_t i, Py_ssize_t j)

# The character loops that stand for the pure build's regexes (see the .py).
@cython.locals(n=Py_ssize_t, c=Py_UCS4)
cdef Py_ssize_t _string_stop(str text, Py_ssize_t i) noexcept
@cython.locals(n=Py_ssize_t, c=Py_UCS4)
cdef Py_ssize_t _skip_whitespace(str text, Py_ssize_t i) noexcept
@cython.locals(i=Py_ssize_t, c=Py_UCS4)
cdef Py_ssize_t _last_newline(str text) noexcept
@cython.locals(n=Py_ssize_t)
cdef Py_ssize_t _number_run_end(str text, Py_ssize_t i) noexcept
cdef Py_ssize_t _SHORT_INT  # a C constant: the length test is a C compare
cdef Py_ssize_t _JOINED_MAX  # a C constant (see _end_number)
@cython.locals(value=cython.longlong, k=Py_ssize_t, negative=bint)
cdef object _short_int(str text, Py_ssize_t i, Py_ssize_t j)
@cython.locals(c=Py_UCS4, digit=bint)
cdef int _number_state_at(int state, str text, Py_ssize_t i, Py_ssize_t j) noexcept


@cython.final  # private: never subclassed, so its methods are plain C calls
cdef class TextBuffer:
    cdef public list blocks
    cdef public list parts
    cdef public Py_ssize_t length

    cpdef reset(self, text)
    cpdef append(self, text)
    cpdef text(self)


# A whole value held back (hold_whole).  The Splitter (a compiled consumer) reads `room`,
# `length` and `closer` as C fields after each feed to know what it may park.
@cython.final  # private: never subclassed, so its methods are plain C calls
cdef class _Held:
    cdef public list parts
    cdef public Py_ssize_t length
    cdef public Py_ssize_t limit
    cdef public Py_ssize_t room
    cdef public TextBuffer buffer
    cdef public Py_UCS4 closer
    cdef public Py_UCS4 newline
    cdef public Py_ssize_t attempts

    @cython.locals(n=Py_ssize_t)
    cpdef bint add(self, str chunk) except -1
    cpdef str text(self, str tail)


@cython.final  # never subclassed: its cpdef methods are plain C calls
cdef class Tokenizer:
    cdef public bint multiple
    cdef public bint positions
    cdef public bint stop_after_document
    cdef public bint scan_documents
    cdef public tuple whole_values
    cdef public int hold_whole
    cdef public _Held _held
    cdef public Py_ssize_t _attempts
    cdef public bint allow_nan
    cdef public object max_depth
    cdef public object max_string
    cdef public Py_ssize_t _string_limit
    cdef public Py_ssize_t _buffer_limit  # max_buffer for the compares, as _string_limit
    cdef public object max_buffer
    cdef public Py_ssize_t _short_number
    cdef public object _scan_max
    cdef public object _scan
    cdef public bint _duplicates
    cdef public object error
    cdef public list stack
    cdef public int state
    cdef public Py_ssize_t documents
    cdef public str _pending
    cdef public Py_ssize_t consumed
    cdef public Py_ssize_t _token_start
    cdef public Py_ssize_t _string_len
    cdef public bint _string_closed
    cdef public Py_ssize_t _string_end
    cdef public object _key  # a str, or a TextBuffer once long
    cdef public object _number
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

    # The Parser's C call (the arguments stay objects: the attributes convert them, as
    # __init__ does).
    cdef _setup(self, multiple, allow_nan, max_depth, max_string, max_buffer, scan_documents,
                stop_after_document, whole_values, whole_duplicates, hold_whole, positions)

    # The hot path: C calls between the helpers, C integers for indices and positions, a
    # character as a C code point, states compared as C constants.  feed and feed_into are
    # cpdef: C calls from a typed Tokenizer (the Parser's `self._tokenizer.feed_into(...)`).  Do not store it
    # as a bound method in a compiled caller: Cython 3.3 then builds a wrapper with the wrong
    # C signature.
    @cython.locals(part=str)
    cpdef list feed(self, data)
    # The Parser's call: a chunk wholly inside a string returns its text (no list, no tuple).
    @cython.locals(chunk=str, pending=str, text=str, state=int, j=Py_ssize_t, n=Py_ssize_t,
                   last=Py_ssize_t, stop=Py_ssize_t, body=str)
    cpdef str feed_into(self, data, list tokens)
    @cython.locals(n=Py_ssize_t, i=Py_ssize_t, stop=Py_ssize_t, c=Py_UCS4, state=int,
                   kind=int)
    cdef Py_ssize_t _tokens(self, str text, Py_ssize_t base, list tokens,
                            Py_ssize_t string_stop) except? -2
    @cython.locals(c=Py_UCS4, j=Py_ssize_t, number_state=int, complete=bint, is_float=bint,
                   word=str)
    cdef Py_ssize_t _value(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens, int state) except -1
    cdef Py_ssize_t _open_string(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens,
                                  Py_ssize_t j) except -1
    @cython.locals(n=Py_ssize_t, j=Py_ssize_t, number_state=int)
    cdef Py_ssize_t _number_at(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens) except -1
    @cython.locals(c=Py_UCS4, j=Py_ssize_t)
    cdef Py_ssize_t _key_at(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens, int state) except -1
    @cython.locals(attempts=Py_ssize_t, end=Py_ssize_t)
    cdef Py_ssize_t _whole(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens) except -1
    cdef tuple _scan_c(self, str text, Py_ssize_t i)
    cdef _unhold(self, chunk)
    @cython.locals(n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t, state=int, piece=str,
                   held=Py_ssize_t)
    cdef Py_ssize_t _resume(self, str text, Py_ssize_t base, list tokens,
                            Py_ssize_t string_stop) except? -2
    @cython.locals(is_float=bint, complete=bint)
    cdef _end_number(self, list tokens, Py_ssize_t end, str text, Py_ssize_t j)
    cdef str _string_body(self, str text, Py_ssize_t i, Py_ssize_t base, Py_ssize_t j)
    @cython.locals(n=Py_ssize_t, start=Py_ssize_t)
    cdef str _decode_string(self, str text, Py_ssize_t i, Py_ssize_t base, Py_ssize_t j)
    cdef _count_string(self, Py_ssize_t added, Py_ssize_t end)
    cdef tuple _whole_number(self, str run, Py_ssize_t pos, Py_ssize_t end)
    @cython.locals(value=object)
    cdef tuple _number_token(self, str run, bint is_float, Py_ssize_t pos, Py_ssize_t end)
    @cython.locals(state=int)
    cdef _more_number(self, str text, Py_ssize_t j)
    @cython.locals(word=str, end=Py_ssize_t)  # str: startswith is a C call, not a method's
    cdef Py_ssize_t _literal(self, str text, Py_ssize_t i, Py_ssize_t base, list tokens) except? -2
