/* greeter: greets everyone named on its command line, with libgreet. */
#include <stdio.h>
#include <greet.h>

int main(int argc, char **argv) {
  char buf[256];
  if (argc < 2) {
    puts(greet(buf, sizeof buf, "world"));
    return 0;
  }
  for (int i = 1; i < argc; i++) puts(greet(buf, sizeof buf, argv[i]));
  return 0;
}
