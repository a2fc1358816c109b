/* The reference loop: the model's arithmetic in plain C, as the speed limit.
 *
 * The same work per neuron and step as pulsesweep's simulation, for either method, after
 * the same work per pulse: each step, every pulse's step average (an exponential kernel,
 * from its antiderivative, zero outside its steps) is added to the drive of each of its
 * FANOUT neurons (pulsesweep's pulses, summed into the neurons of every height); then
 *   euler:   v += dt*(R*(I0 + h*drive) - v)/tau outside the refractory
 *            period, the threshold, the reset and the spike record;
 *   precise: v = mu + (v - mu)*decay over the part of the step after the refractory
 *            period (decay = exp(-dt/tau) precomputed for a whole step), the threshold,
 *            the exact crossing time, the reset and the spike record.
 *
 *   cc -O3 -fno-fast-math reference_loop.c -o reference_loop -lm
 *   ./reference_loop NEURONS STEPS PULSES FANOUT [euler|precise]  (prints neuron-steps/s)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* As Brian2's generated code clips (fmin/fmax would handle NaN, at a cost). */
static inline double clip(double value, double low, double high) {
    return value < low ? low : (value > high ? high : value);
}

int main(int argc, char **argv) {
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: %s NEURONS STEPS PULSES FANOUT [euler|precise]\n", argv[0]);
        return 2;
    }
    const int n = atoi(argv[1]), steps = atoi(argv[2]), pulses = atoi(argv[3]);
    const int fanout = atoi(argv[4]);
    const int precise = argc == 6 && strcmp(argv[5], "precise") == 0;
    const double dt = 1e-4;
    double *v = malloc(n * sizeof *v), *tau = malloc(n * sizeof *tau);
    double *resistance = malloc(n * sizeof *resistance), *threshold = malloc(n * sizeof *threshold);
    double *reset = malloc(n * sizeof *reset), *bias = malloc(n * sizeof *bias);
    double *height = malloc(n * sizeof *height), *last_spike = malloc(n * sizeof *last_spike);
    double *refractory = malloc(n * sizeof *refractory), *decay = malloc(n * sizeof *decay);
    double *drive = calloc(n, sizeof *drive), *onset = malloc(pulses * sizeof *onset);
    long *first = malloc(pulses * sizeof *first), *last = malloc(pulses * sizeof *last);
    int *target = malloc((size_t)pulses * fanout * sizeof *target);
    const double width = 2e-3;
    long capacity = 1 << 20, count = 0;
    int *spike_neuron = malloc(capacity * sizeof *spike_neuron);
    double *spike_time = malloc(capacity * sizeof *spike_time);
    srand(0);
    for (int i = 0; i < n; i++) {
        tau[i] = 0.01 * (1 + 0.05 * (rand() / (double)RAND_MAX - 0.5));
        resistance[i] = tau[i] / 1e-8; decay[i] = exp(-dt / tau[i]);
        threshold[i] = 0.015; reset[i] = 0.0; bias[i] = 2e-8; height[i] = 1e-8;
        v[i] = 0.015 * rand() / (double)RAND_MAX; refractory[i] = 0.002;
        last_spike[i] = precise ? 0.0 : -1e4;  /* precise: the end of the refractory period */
    }
    for (int p = 0; p < pulses; p++) {  /* spread over the run, 40 widths long */
        onset[p] = (p + 1.0) * steps * dt / (pulses + 1);
        first[p] = (long)floor(onset[p] / dt);
        last[p] = (long)ceil((onset[p] + 40 * width) / dt) + 1;
        for (int k = 0; k < fanout; k++) target[p * fanout + k] = (p + (long)k * pulses) % n;
    }
    struct timespec start, stop;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (int step = 0; step < steps; step++) {
        const double t = step * dt;
        for (int i = 0; i < n; i++) drive[i] = 0.0;
        for (int p = 0; p < pulses; p++) {
            if (step < first[p] || step >= last[p]) continue;
            const double a = fmax((step * dt - onset[p]) / width, 0.0);
            const double b = fmax(((step + 1) * dt - onset[p]) / width, 0.0);
            const double average = (-expm1(-b) - -expm1(-a)) * (width / dt);
            for (int k = 0; k < fanout; k++) drive[target[p * fanout + k]] += average;
        }
        for (int i = 0; i < n; i++) {
            const double current = bias[i] + height[i] * drive[i];
            double when = t;
            if (precise) {
                const double mu = resistance[i] * current;
                const double elapsed = clip(t + dt - last_spike[i], 0.0, dt);
                v[i] = mu + (v[i] - mu) * (elapsed >= dt ? decay[i] : exp(-elapsed / tau[i]));
                if (v[i] > threshold[i])
                    when = t + dt - tau[i] * log((mu - threshold[i]) / (mu - v[i]));
            } else if (t - last_spike[i] >= refractory[i]) {
                v[i] += dt * (resistance[i] * current - v[i]) / tau[i];
            }
            if (v[i] > threshold[i]) {
                v[i] = reset[i]; last_spike[i] = precise ? when + refractory[i] : when;
                if (count == capacity) {
                    capacity *= 2;
                    spike_neuron = realloc(spike_neuron, capacity * sizeof *spike_neuron);
                    spike_time = realloc(spike_time, capacity * sizeof *spike_time);
                }
                spike_neuron[count] = i; spike_time[count] = when; count++;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &stop);
    double seconds = (stop.tv_sec - start.tv_sec) + 1e-9 * (stop.tv_nsec - start.tv_nsec);
    printf("%.6g neuron-steps/s %ld spikes %.3f s\n", (double)n * steps / seconds, count, seconds);
    return 0;
}
