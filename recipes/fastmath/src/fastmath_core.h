/* fastmath_core: the vendored C part of the fastmath example. */
#ifndef FASTMATH_CORE_H
#define FASTMATH_CORE_H

#include <stddef.h>

/* Arithmetic mean of xs[0..n); NaN when n == 0. */
double fm_mean(const double *xs, size_t n);

#endif /* FASTMATH_CORE_H */
