/* hello-c: prints a greeting; the example C program of distforge. */
#include <stdio.h>

int main(int argc, char **argv) {
  const char *who = argc > 1 ? argv[1] : "world";
  printf("Hello, %s! (hello-c 1.0)\n", who);
  return 0;
}
