#include <cblas.h>
// Declared by OpenBLAS; repeated here so the shim does not depend on which cblas.h wins.
char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
