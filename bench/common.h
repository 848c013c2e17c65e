/* Small helpers shared by the C benchmark programs (lib_bench.c, curl_multi.c):
 * clocks, resource usage, a thread-count sampler and JSON-ish output. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static inline double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Wall-clock epoch milliseconds: comparable with the sandbox's completeTime. */
static inline double epoch_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}


/* A field of /proc/self/status in kB or as a count ("VmRSS:", "Threads:"); -1 if absent. */
static inline long proc_status(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long value = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, field, n) == 0) { value = strtol(line + n, NULL, 10); break; }
    }
    fclose(f);
    return value;
}

/* Peak RSS of this process image, in kB. VmHWM, not getrusage's ru_maxrss: that one
 * survives exec, so a child of a larger process would report its parent's peak. */
static inline long peak_rss_kb(void) { return proc_status("VmHWM:"); }

/* Samples the process's thread count (and RSS) every 5 ms until stopped. */
typedef struct {
    pthread_t thread;
    atomic_int stop;
    atomic_long max_threads;
    atomic_long max_rss_kb;
} sampler;

/* BENCH_NO_SAMPLER=1 (the callgrind runs): the sampler takes one sample and stops. Its
 * reads of /proc every 5 ms are the harness's work, not the client's, and a client that
 * runs longer under valgrind would be charged more of them (about 100 K instructions a
 * job in a 200-job library run). */
static void *sampler_main(void *arg) {
    sampler *s = arg;
    const char *off = getenv("BENCH_NO_SAMPLER");
    if (off && *off == '1') atomic_store(&s->stop, 1);
    do {
        long t = proc_status("Threads:"), r = proc_status("VmRSS:");
        if (t > atomic_load(&s->max_threads)) atomic_store(&s->max_threads, t);
        if (r > atomic_load(&s->max_rss_kb)) atomic_store(&s->max_rss_kb, r);
        if (!atomic_load(&s->stop)) usleep(5000);
    } while (!atomic_load(&s->stop));
    return NULL;
}

static inline void sampler_start(sampler *s) {
    atomic_init(&s->stop, 0);
    atomic_init(&s->max_threads, 0);
    atomic_init(&s->max_rss_kb, 0);
    pthread_create(&s->thread, NULL, sampler_main, s);
}

/* Stops the sampler; its own thread is not counted in max_threads. */
static inline void sampler_stop(sampler *s) {
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    atomic_store(&s->max_threads, atomic_load(&s->max_threads) - 1);
}

/* Prints s as a JSON string (escapes quotes, backslashes and control characters). */
static inline void json_string(FILE *out, const char *s) {
    fputc('"', out);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c < 0x20) fprintf(out, "\\u%04x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

static inline void die(const char *what, const char *detail) {
    fprintf(stderr, "bench: %s: %s\n", what, detail ? detail : "");
    exit(2);
}

#endif
