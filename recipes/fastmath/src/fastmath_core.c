#include <math.h>

#include "fastmath_core.h"

double fm_mean(const double *xs, size_t n)
{
    double total = 0.0;
    size_t i;
    if (n == 0)
        return NAN;
    for (i = 0; i < n; i++)
        total += xs[i];
    return total / (double)n;
}
