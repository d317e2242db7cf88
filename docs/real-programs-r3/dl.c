/* dlopen/dlclose of a library that mallocs in its constructor and frees in its
 * destructor, in 2 threads, 300 times each; blocks made by one load are freed after
 * it is unloaded (and by the other thread). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static const char *argv1;
static void *carry[2][300];
static void *run(void *arg) {
  long t = (long)arg;
  for (int i = 0; i < 300; i++) {
    void *h = dlopen(argv1, RTLD_NOW | RTLD_LOCAL);
    if (!h) { fprintf(stderr, "%s\n", dlerror()); exit(1); }
    char *(*mk)(size_t) = (char *(*)(size_t))dlsym(h, "plug_make");
    carry[t][i] = mk(1 + i * 37 % 4000);
    if (dlclose(h)) exit(2);
  }
  return 0;
}
int main(int argc, char **argv) {
  argv1 = argc > 1 ? argv[1] : "./libplug.so";
  pthread_t a, b; pthread_create(&a, 0, run, (void *)0); pthread_create(&b, 0, run, (void *)1);
  pthread_join(a, 0); pthread_join(b, 0);
  long sum = 0;
  for (int t = 0; t < 2; t++) for (int i = 0; i < 300; i++) { sum += ((char *)carry[t][i])[0]; free(carry[1 - t][i] == 0 ? 0 : carry[t][i]); }
  printf("sum %ld\n", sum);
  return 0;
}
