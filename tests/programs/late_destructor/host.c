/* Linked with late_destructor/lib.c's library, preloaded with heapguard: returns from
 * main, so exit() runs the destructors. */
#include <unistd.h>
void late_use(void);
int main(void) {
  late_use();
  static const char line[] = "main done\n";
  return write(1, line, sizeof line - 1) < 0;
}
