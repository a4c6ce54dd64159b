/* Ends one expansion of syscalls.def: include after every #include of it. */
#undef SYS0
#undef SYS1
#undef SYS2
#undef SYS3
#undef SYS4
#undef SYS5
#undef SYS6
