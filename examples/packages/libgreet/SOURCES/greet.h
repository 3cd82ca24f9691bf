/* libgreet: builds greetings. The example shared library of distforge. */
#ifndef GREET_H
#define GREET_H

#define GREET_VERSION "1.0"

/* Writes "Hello, WHO!" into buf (at most size bytes, NUL-terminated); returns buf. */
char *greet(char *buf, unsigned long size, const char *who);

#endif
