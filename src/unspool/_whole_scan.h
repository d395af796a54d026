/* unspool's C for the compiled tokenizer (declared in _tokenizer.pxd, called from
   _tokenizer.py under its compiled branches): the whole-value scanner, the newline count, the
   cut number read from its pieces and the short float read in place.
   Every module that cimports _tokenizer includes it too, without calling its entry points:
   they are marked CYTHON_UNUSED (defined by Cython above the include), so those modules
   compile without an unused-function warning. */
#ifndef UNSPOOL_WHOLE_SCAN_H
#define UNSPOOL_WHOLE_SCAN_H

#include <Python.h>
#include <float.h>

/* float(buf) for the NUL-terminated ASCII text of a valid JSON number.  When its digits fit
   2**53 and its power of ten is at most 22, both are exact doubles and one IEEE multiply or
   divide rounds once, correctly (Clinger's fast path): float()'s double, without
   PyOS_string_to_double, whose two x87 control-word switches (fldcw, slow on x86-64) cost
   more than the rest of the read (records 10 KB, time: -5%).  Only where C computes doubles
   as doubles (FLT_EVAL_METHOD 0: SSE2, arm64); elsewhere and for other numbers, float()'s. */
CYTHON_UNUSED static PyObject *unspool_float(const char *buf) {
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    static const double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
                                    1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
                                    1e20, 1e21, 1e22};
    const char *p = buf + (*buf == '-');
    unsigned long long digits = 0;
    int count = 0, scale = 0, exponent = 0;
    for (; *p >= '0' && *p <= '9'; p++, count++) digits = 10 * digits + (unsigned)(*p - '0');
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, count++, scale--)
            digits = 10 * digits + (unsigned)(*p - '0');
    if (*p == 'e' || *p == 'E') {
        int negative = *++p == '-';
        if (*p == '-' || *p == '+') p++;
        for (; *p >= '0' && *p <= '9'; p++)
            if (exponent < 1000) exponent = 10 * exponent + (*p - '0');  /* no overflow */
        scale += negative ? -exponent : exponent;
    }
    /* 19 digits cannot overflow the unsigned long long */
    if (count <= 19 && digits <= (1ULL << 53) && scale >= -22 && scale <= 22) {
        double d = (double)digits;
        d = scale < 0 ? d / powers[-scale] : d * powers[scale];
        return PyFloat_FromDouble(*buf == '-' ? -d : d);
    }
#endif
    double d = PyOS_string_to_double(buf, NULL, NULL);  /* float()'s reader: 1e400 is inf */
    if (d == -1.0 && PyErr_Occurred()) return NULL;
    return PyFloat_FromDouble(d);
}

/* unspool's whole-value scanner (compiled build only; see _tokenizer.py's _whole).  It reads
   one JSON object or array as json.loads(strict=True) would and returns (value, end), or None
   where it refuses: anything not valid JSON, NaN/Infinity unless allowed, a duplicate key
   unless allowed, nesting past `room`.  A refusal is never an error: the tokens then read the
   text and decide, so this reader need only agree with json.loads on what it accepts. */

typedef struct {
    const void *data;
    int kind;
    Py_ssize_t len;
    Py_ssize_t room;      /* containers may nest this deep */
    int duplicates;       /* keep the last of duplicate keys (else refuse) */
    PyObject *constants;  /* (NaN, Infinity, -Infinity), or None: refuse them */
} uws_state;

#define UWS_READ(s, i) PyUnicode_READ((s)->kind, (s)->data, (i))
#define UWS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define UWS_REFUSE NULL  /* NULL without an exception set */

static PyObject *uws_value(uws_state *s, Py_ssize_t i, Py_ssize_t depth, Py_ssize_t *endp);

/* The index of the first non-whitespace character at or after i (len if none). */
static Py_ssize_t uws_skip(const uws_state *s, Py_ssize_t i) {
    Py_ssize_t n = s->len;
#define UWS_SKIP(T) { const T *p = (const T *)s->data; \
        while (i < n && (p[i] == ' ' || p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) i++; }
    switch (s->kind) {
    case PyUnicode_1BYTE_KIND: UWS_SKIP(Py_UCS1) break;
    case PyUnicode_2BYTE_KIND: UWS_SKIP(Py_UCS2) break;
    default: UWS_SKIP(Py_UCS4) break;
    }
    return i;
}

/* The index of the first '"', '\\' or control character at or after i (len if none);
   *maxchar gathers the others (OR: it falls in the same kind class as their maximum).
   With SSE2 (every x86-64), 16 bytes at a time first, then one character at a time from the
   16 that hold the stop: both loops stop at the same characters. */
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#define UWS_SIMD(T, EQ, SET1) { \
        const __m128i quote = SET1('"'), backslash = SET1('\\'), high = SET1(~0x1F); \
        __m128i all = _mm_setzero_si128(), v; \
        T lane[16 / sizeof(T)]; \
        for (; i + (Py_ssize_t)(16 / sizeof(T)) <= n; i += 16 / sizeof(T)) { \
            v = _mm_loadu_si128((const __m128i *)((const T *)s->data + i)); \
            __m128i stop = _mm_or_si128(EQ(v, quote), EQ(v, backslash)); \
            stop = _mm_or_si128(stop, EQ(_mm_and_si128(v, high), _mm_setzero_si128())); \
            if (_mm_movemask_epi8(stop)) break; \
            all = _mm_or_si128(all, v); \
        } \
        _mm_storeu_si128((__m128i *)lane, all); \
        for (size_t k = 0; k < 16 / sizeof(T); k++) m |= lane[k]; }
#define UWS_SIMD1 UWS_SIMD(Py_UCS1, _mm_cmpeq_epi8, _mm_set1_epi8)
#define UWS_SIMD2 UWS_SIMD(Py_UCS2, _mm_cmpeq_epi16, _mm_set1_epi16)
#define UWS_SIMD4 UWS_SIMD(Py_UCS4, _mm_cmpeq_epi32, _mm_set1_epi32)
#else
#define UWS_SIMD1
#define UWS_SIMD2
#define UWS_SIMD4
#endif
static Py_ssize_t uws_plain(const uws_state *s, Py_ssize_t i, Py_UCS4 *maxchar) {
    Py_ssize_t n = s->len;
    Py_UCS4 m = *maxchar;
#define UWS_PLAIN(T) { const T *p = (const T *)s->data; \
        for (; i < n; i++) { T c = p[i]; if (c == '"' || c == '\\' || c < 0x20) break; m |= c; } }
    switch (s->kind) {
    case PyUnicode_1BYTE_KIND: UWS_SIMD1 UWS_PLAIN(Py_UCS1) break;
    case PyUnicode_2BYTE_KIND: UWS_SIMD2 UWS_PLAIN(Py_UCS2) break;
    default: UWS_SIMD4 UWS_PLAIN(Py_UCS4) break;
    }
    *maxchar = m;
    return i;
}

/* A new str of n characters of kind `kind` at `src`, all at most maxchar. */
static PyObject *uws_str(const void *src, int kind, Py_ssize_t n, Py_UCS4 maxchar) {
    PyObject *u = PyUnicode_New(n, maxchar > 0x10FFFF ? 0x10FFFF : maxchar);
    if (u == NULL || n == 0) return u;
    int to = PyUnicode_KIND(u);
    void *dst = PyUnicode_DATA(u);
    Py_ssize_t k;
    if (to == kind) {
        memcpy(dst, src, (size_t)n * (size_t)kind);
    } else if (to == PyUnicode_1BYTE_KIND && kind == PyUnicode_2BYTE_KIND) {
        for (k = 0; k < n; k++) ((Py_UCS1 *)dst)[k] = (Py_UCS1)((const Py_UCS2 *)src)[k];
    } else if (to == PyUnicode_1BYTE_KIND) {
        for (k = 0; k < n; k++) ((Py_UCS1 *)dst)[k] = (Py_UCS1)((const Py_UCS4 *)src)[k];
    } else {
        for (k = 0; k < n; k++) ((Py_UCS2 *)dst)[k] = (Py_UCS2)((const Py_UCS4 *)src)[k];
    }
    return u;
}

/* The 4 hex digits at i as a code unit, or -1. */
static long uws_hex4(const uws_state *s, Py_ssize_t i) {
    long v = 0;
    if (i + 4 > s->len) return -1;
    for (Py_ssize_t k = i; k < i + 4; k++) {
        Py_UCS4 c = UWS_READ(s, k);
        v <<= 4;
        if (UWS_DIGIT(c)) v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return -1;
    }
    return v;
}

/* text[i:j] into dst, as code points. */
static void uws_widen(Py_UCS4 *dst, const uws_state *s, Py_ssize_t i, Py_ssize_t j) {
#define UWS_WIDEN(T) { const T *p = (const T *)s->data; for (; i < j; i++) *dst++ = p[i]; }
    switch (s->kind) {
    case PyUnicode_1BYTE_KIND: UWS_WIDEN(Py_UCS1) break;
    case PyUnicode_2BYTE_KIND: UWS_WIDEN(Py_UCS2) break;
    default: memcpy(dst, (const Py_UCS4 *)s->data + i, (size_t)(j - i) * sizeof(Py_UCS4)); break;
    }
}

/* A string with escapes: text[i:j] is plain, text[j] is the first backslash.  Decoded into a
   UCS4 buffer, then copied into a str of the right kind. */
static PyObject *uws_escaped(const uws_state *s, Py_ssize_t i, Py_ssize_t j, Py_UCS4 maxchar,
                             Py_ssize_t *endp) {
    Py_UCS4 small[256];
    Py_UCS4 *buf = small, *grown;
    Py_ssize_t cap = 256, n = 0;
    PyObject *result = UWS_REFUSE;
    for (;;) {
        if (n + (j - i) + 1 > cap) {  /* room for the run and one escaped character */
            cap = 2 * (n + (j - i) + 1);
            grown = PyMem_Malloc((size_t)cap * sizeof(Py_UCS4));
            if (grown == NULL) { PyErr_NoMemory(); goto done; }
            memcpy(grown, buf, (size_t)n * sizeof(Py_UCS4));
            if (buf != small) PyMem_Free(buf);
            buf = grown;
        }
        uws_widen(buf + n, s, i, j);
        n += j - i;
        if (j >= s->len) goto done;  /* unterminated */
        Py_UCS4 c = UWS_READ(s, j);
        if (c == '"') break;
        if (c != '\\' || j + 1 >= s->len) goto done;  /* a control character, a cut escape */
        switch (UWS_READ(s, j + 1)) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '/': c = '/'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
            long u = uws_hex4(s, j + 2), low;
            if (u < 0) goto done;
            c = (Py_UCS4)u;
            j += 4;
            /* A high surrogate and a low one after it make one character (as json.loads). */
            if (Py_UNICODE_IS_HIGH_SURROGATE(c) && j + 7 < s->len && UWS_READ(s, j + 2) == '\\'
                && UWS_READ(s, j + 3) == 'u' && (low = uws_hex4(s, j + 4)) >= 0
                && Py_UNICODE_IS_LOW_SURROGATE((Py_UCS4)low)) {
                c = Py_UNICODE_JOIN_SURROGATES(c, (Py_UCS4)low);
                j += 6;
            }
            break;
        }
        default: goto done;
        }
        buf[n++] = c;
        maxchar |= c;
        i = j + 2;
        j = uws_plain(s, i, &maxchar);
    }
    *endp = j + 1;
    result = uws_str(buf, PyUnicode_4BYTE_KIND, n, maxchar);
done:
    if (buf != small) PyMem_Free(buf);
    return result;
}

/* The string whose body begins at i (after the opening quote). */
static PyObject *uws_string(const uws_state *s, Py_ssize_t i, Py_ssize_t *endp) {
    Py_UCS4 maxchar = 0;
    Py_ssize_t j = uws_plain(s, i, &maxchar);
    if (j >= s->len) return UWS_REFUSE;
    Py_UCS4 c = UWS_READ(s, j);
    if (c == '"') {
        *endp = j + 1;
        return uws_str((const char *)s->data + i * s->kind, s->kind, j - i, maxchar);
    }
    if (c != '\\') return UWS_REFUSE;  /* a control character */
    return uws_escaped(s, i, j, maxchar, endp);
}

/* The number at i, by JSON's grammar: an int (as int() reads it) or a float (as float()). */
static PyObject *uws_number(const uws_state *s, Py_ssize_t i, Py_ssize_t *endp) {
    Py_ssize_t start = i, n = s->len, k;
    int is_float = 0;
    if (i < n && UWS_READ(s, i) == '-') i++;
    if (i >= n || !UWS_DIGIT(UWS_READ(s, i))) return UWS_REFUSE;
    if (UWS_READ(s, i) == '0') i++;
    else while (i < n && UWS_DIGIT(UWS_READ(s, i))) i++;
    if (i < n && UWS_READ(s, i) == '.') {
        i++;
        if (i >= n || !UWS_DIGIT(UWS_READ(s, i))) return UWS_REFUSE;
        while (i < n && UWS_DIGIT(UWS_READ(s, i))) i++;
        is_float = 1;
    }
    if (i < n && (UWS_READ(s, i) == 'e' || UWS_READ(s, i) == 'E')) {
        i++;
        if (i < n && (UWS_READ(s, i) == '+' || UWS_READ(s, i) == '-')) i++;
        if (i >= n || !UWS_DIGIT(UWS_READ(s, i))) return UWS_REFUSE;
        while (i < n && UWS_DIGIT(UWS_READ(s, i))) i++;
        is_float = 1;
    }
    *endp = i;
    Py_ssize_t len = i - start;
    if (!is_float && len <= 18) {  /* fits a long long */
        int neg = UWS_READ(s, start) == '-';
        long long v = 0;
        for (k = start + neg; k < i; k++) v = 10 * v + (long long)(UWS_READ(s, k) - '0');
        return PyLong_FromLongLong(neg ? -v : v);
    }
    char small[64];
    char *buf = len < 64 ? small : PyMem_Malloc((size_t)len + 1);
    if (buf == NULL) return PyErr_NoMemory();
    for (k = 0; k < len; k++) buf[k] = (char)UWS_READ(s, start + k);
    buf[len] = '\0';
    PyObject *result;
    if (is_float) {
        result = unspool_float(buf);
    } else {
        result = PyLong_FromString(buf, NULL, 10);  /* ValueError past int()'s digit limit */
    }
    if (buf != small) PyMem_Free(buf);
    return result;
}

/* Whether text[i:] begins with the ASCII `word`. */
static int uws_word(const uws_state *s, Py_ssize_t i, const char *word) {
    for (; *word; word++, i++)
        if (i >= s->len || UWS_READ(s, i) != (Py_UCS4)(unsigned char)*word) return 0;
    return 1;
}

static PyObject *uws_literal(const uws_state *s, Py_ssize_t i, const char *word, PyObject *value,
                             Py_ssize_t *endp) {
    if (value == NULL || !uws_word(s, i, word)) return UWS_REFUSE;
    *endp = i + (Py_ssize_t)strlen(word);
    Py_INCREF(value);
    return value;
}

static PyObject *uws_constant(const uws_state *s, Py_ssize_t index) {
    return s->constants == Py_None ? NULL : PyTuple_GET_ITEM(s->constants, index);
}

/* After a member or element ending before i: the index of the next one (past the ',' and
   whitespace), UWS_CLOSED past `closer` (*endp is then the index after it), or -1 where
   neither comes (refused). */
#define UWS_CLOSED (-2)
static Py_ssize_t uws_after_item(const uws_state *s, Py_ssize_t i, Py_UCS4 closer,
                                 Py_ssize_t *endp) {
    i = uws_skip(s, i);
    if (i >= s->len) return -1;
    Py_UCS4 c = UWS_READ(s, i);
    if (c == closer) {
        *endp = i + 1;
        return UWS_CLOSED;
    }
    if (c != ',') return -1;
    return uws_skip(s, i + 1);
}

/* The object whose '{' is at i - 1. */
static PyObject *uws_object(uws_state *s, Py_ssize_t i, Py_ssize_t depth, Py_ssize_t *endp) {
    PyObject *obj = PyDict_New(), *key, *value;
    Py_ssize_t size;
    if (obj == NULL) return NULL;
    i = uws_skip(s, i);
    if (i < s->len && UWS_READ(s, i) == '}') {
        *endp = i + 1;
        return obj;
    }
    for (;;) {
        if (i >= s->len || UWS_READ(s, i) != '"') goto fail;
        key = uws_string(s, i + 1, &i);
        if (key == NULL) goto fail;
        i = uws_skip(s, i);
        if (i >= s->len || UWS_READ(s, i) != ':') {
            Py_DECREF(key);
            goto fail;
        }
        value = uws_value(s, uws_skip(s, i + 1), depth, &i);
        if (value == NULL) {
            Py_DECREF(key);
            goto fail;
        }
        size = PyDict_GET_SIZE(obj);
        int err = PyDict_SetItem(obj, key, value);
        Py_DECREF(key);
        Py_DECREF(value);
        if (err < 0 || (!s->duplicates && PyDict_GET_SIZE(obj) == size)) goto fail;
        i = uws_after_item(s, i, '}', endp);
        if (i == UWS_CLOSED) return obj;
        if (i < 0) goto fail;
    }
fail:
    Py_DECREF(obj);
    return NULL;
}

/* The array whose '[' is at i - 1. */
static PyObject *uws_array(uws_state *s, Py_ssize_t i, Py_ssize_t depth, Py_ssize_t *endp) {
    PyObject *list = PyList_New(0), *value;
    if (list == NULL) return NULL;
    i = uws_skip(s, i);
    if (i < s->len && UWS_READ(s, i) == ']') {
        *endp = i + 1;
        return list;
    }
    for (;;) {
        value = uws_value(s, i, depth, &i);
        if (value == NULL) goto fail;
        int err = PyList_Append(list, value);
        Py_DECREF(value);
        if (err < 0) goto fail;
        i = uws_after_item(s, i, ']', endp);
        if (i == UWS_CLOSED) return list;
        if (i < 0) goto fail;
    }
fail:
    Py_DECREF(list);
    return NULL;
}

/* The value at i (no whitespace before it), inside `depth` containers. */
static PyObject *uws_value(uws_state *s, Py_ssize_t i, Py_ssize_t depth, Py_ssize_t *endp) {
    if (i >= s->len) return UWS_REFUSE;
    switch (UWS_READ(s, i)) {
    case '"': return uws_string(s, i + 1, endp);
    case '{':
    case '[':
        if (depth >= s->room) return UWS_REFUSE;
        return UWS_READ(s, i) == '{' ? uws_object(s, i + 1, depth + 1, endp)
                                     : uws_array(s, i + 1, depth + 1, endp);
    case 't': return uws_literal(s, i, "true", Py_True, endp);
    case 'f': return uws_literal(s, i, "false", Py_False, endp);
    case 'n': return uws_literal(s, i, "null", Py_None, endp);
    case 'N': return uws_literal(s, i, "NaN", uws_constant(s, 0), endp);
    case 'I': return uws_literal(s, i, "Infinity", uws_constant(s, 1), endp);
    case '-':
        if (i + 1 < s->len && UWS_READ(s, i + 1) == 'I')
            return uws_literal(s, i, "-Infinity", uws_constant(s, 2), endp);
        return uws_number(s, i, endp);
    default: return uws_number(s, i, endp);
    }
}

/* text.count("\n"), in one pass the compiler can vectorise (str.count stops to compare
   each match with a maximum count: ~0.75 ms on a 1 MB article held as UCS4). */
CYTHON_UNUSED static Py_ssize_t unspool_count_newlines(PyObject *text) {
    Py_ssize_t n, count = 0, k;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) return -1;
#endif
    n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    /* A 32-bit count per block: the compiler then compares and adds 4-16 characters at once. */
#define UWS_COUNT(T) { const T *p = (const T *)data; \
        for (k = 0; k < n;) { \
            Py_ssize_t stop = n - k > (1 << 30) ? k + (1 << 30) : n; \
            unsigned int part = 0; \
            for (; k < stop; k++) part += p[k] == '\n'; \
            count += part; \
        } }
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: UWS_COUNT(Py_UCS1) break;
    case PyUnicode_2BYTE_KIND: UWS_COUNT(Py_UCS2) break;
    default: UWS_COUNT(Py_UCS4) break;
    }
    return count;
}

/* (value, end) for the container at text[i], or None (refused: the tokens decide).  Errors
   other than a ValueError (int()'s digit limit) propagate, as from json.loads. */
CYTHON_UNUSED static PyObject *unspool_scan_whole(PyObject *text, Py_ssize_t i,
                                                  PyObject *constants, int duplicates,
                                                  Py_ssize_t room) {
    uws_state s;
    Py_ssize_t end = 0;
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0) return NULL;
#endif
    s.data = PyUnicode_DATA(text);
    s.kind = PyUnicode_KIND(text);
    s.len = PyUnicode_GET_LENGTH(text);
    s.room = room;
    s.duplicates = duplicates;
    s.constants = constants;
    PyObject *value = uws_value(&s, i, 0, &end);
    if (value == NULL) {
        if (PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_ValueError)) return NULL;
            PyErr_Clear();
        }
        Py_RETURN_NONE;
    }
    PyObject *result = Py_BuildValue("(Nn)", value, end);
    return result;
}

/* float(held + text[:j]) or int(...) for a number that chunk boundaries cut, which the
   tokenizer has checked is valid JSON, of at most 63 characters: read into a C buffer, so the
   two pieces are never joined into one str.  PyOS_string_to_double is what float(str) calls. */
CYTHON_UNUSED static PyObject *unspool_joined_number(PyObject *held, PyObject *text,
                                                     Py_ssize_t j, int is_float) {
    char buf[64];
    Py_ssize_t n = PyUnicode_GET_LENGTH(held), k;
    if (n + j > 63) {
        PyErr_SetString(PyExc_AssertionError, "unspool_joined_number: too long");
        return NULL;
    }
    for (k = 0; k < n; k++) buf[k] = (char)PyUnicode_READ_CHAR(held, k);
    for (k = 0; k < j; k++) buf[n + k] = (char)PyUnicode_READ_CHAR(text, k);
    n += j;
    buf[n] = '\0';
    if (is_float) return unspool_float(buf);
    if (n <= 18) {  /* as _short_int: |value| < 10**18 */
        long long value = 0;
        int negative = buf[0] == '-';
        for (k = negative; k < n; k++) value = value * 10 + (buf[k] - '0');
        return PyLong_FromLongLong(negative ? -value : value);
    }
    return PyLong_FromString(buf, NULL, 10);
}

/* float(text[i:j]) for a valid JSON float of at most 63 characters that one chunk holds:
   no slice, and float()'s reader only where unspool_float's fast path does not apply. */
CYTHON_UNUSED static PyObject *unspool_short_float(PyObject *text, Py_ssize_t i, Py_ssize_t j) {
    char buf[64];
    Py_ssize_t k;
    if (j - i > 63) {
        PyErr_SetString(PyExc_AssertionError, "unspool_short_float: too long");
        return NULL;
    }
    for (k = i; k < j; k++) buf[k - i] = (char)PyUnicode_READ_CHAR(text, k);
    buf[j - i] = '\0';
    return unspool_float(buf);
}

#endif  /* UNSPOOL_WHOLE_SCAN_H */
