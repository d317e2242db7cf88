import random, sys
NF = int(sys.argv[1]) if len(sys.argv) > 1 else 2600   # 2600: 50,000 lines; 300: 6,000
r = random.Random(42)
out = ['#include <stdio.h>', '#include <stdlib.h>', '#include <string.h>', '']
for s in range(200):
    out.append('struct s%d { int a[%d]; double d; struct s%d *next; char name[%d]; };' % (s, r.randint(1,9), s, r.randint(4,64)))
for f in range(NF):
    st = r.randint(0,199)
    out.append('static int f%d(struct s%d *p, int n) {' % (f, st))
    out.append('  int acc = %d;' % r.randint(0,999))
    out.append('  for (int i = 0; i < n; i++) {')
    out.append('    switch ((i * %d + n) %% 7) {' % r.randint(1, 50))
    for c in range(7):
        op = r.choice(['+', '-', '^', '|', '*'])
        out.append('    case %d: acc = acc %s (p ? p->a[0] + %d : %d); break;' % (c, op, r.randint(0,99), r.randint(0,99)))
    out.append('    }')
    out.append('    if (acc > %d) acc = (acc >> 1) + (int)(p ? p->d : 0.0);' % r.randint(1000, 100000))
    out.append('  }')
    if f > 0:
        g = r.randint(max(0, f-50), f-1)
        out.append('  if (n > 1) acc += f%d(0, n / 2);' % g)
    out.append('  while (p && p->next && n-- > 0) { acc += (int)strlen(p->name); p = p->next; }')
    out.append('  return acc;')
    out.append('}')
    out.append('')
out.append('int main(int argc, char **argv) { long t = 0; int n = argc > 1 ? atoi(argv[1]) : 3;')
for f in range(0, NF, 7):
    out.append('  t += f%d(0, n);' % f)
out.append('  printf("%ld\\n", t); return 0; }')
open(sys.argv[2] if len(sys.argv) > 2 else 'big.c', 'w').write('\n'.join(out) + '\n')
