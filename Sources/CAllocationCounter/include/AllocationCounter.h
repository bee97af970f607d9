#ifndef ALLOCATION_COUNTER_H
#define ALLOCATION_COUNTER_H

/// Counting the heap allocations of a stretch of code, for `companion bench`.
///
/// On Linux (glibc) this target defines malloc, calloc, realloc and the aligned allocators
/// itself; an executable that links it overrides libc's for every library it loads (ELF
/// symbol interposition), and each forwards to glibc's own implementation (__libc_malloc,
/// ...). While counting is on, each call adds one to a counter. Elsewhere nothing is
/// interposed and `allocation_counter_available` returns 0.

/// 1 if allocations can be counted on this platform, else 0.
int allocation_counter_available(void);
/// Starts counting from zero.
void allocation_counter_start(void);
/// Stops counting and returns the number of allocation calls since `allocation_counter_start`.
long allocation_counter_stop(void);

#endif
