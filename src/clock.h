/* clock.h - the two clocks of the program, in seconds as doubles.
 *
 * Monotonic time is for intervals, deadlines and the budget (it never
 * jumps); real time is what metrics and logs carry. A leaf: no other
 * module of the program is included.
 */
#ifndef DOKS_CLOCK_H
#define DOKS_CLOCK_H

double clock_mono(void); /* CLOCK_MONOTONIC */
double clock_real(void); /* CLOCK_REALTIME: Unix seconds */

#endif
