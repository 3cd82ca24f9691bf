/* libgreet: builds greetings. The example shared library of distforge. */
#include <stdio.h>
#include "greet.h"

char *greet(char *buf, unsigned long size, const char *who) {
  snprintf(buf, size, "Hello, %s!", who);
  return buf;
}
