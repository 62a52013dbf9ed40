// Type-checks dashboards/doks-overview.json against Grafana's own dashboard
// types from @grafana/schema (run by tests/dashboards/run.sh with tsc --noEmit):
// a field of the wrong type (gridPos.w as a string, a panel id as a string,
// thresholds that are not a list...) fails the build.
import type { Dashboard } from '@grafana/schema';
import dashboard from '../../dashboards/doks-overview.json';

// A JSON import widens every string to `string` ("absolute" is typed as
// string), so it cannot match the schema's string enums (ThresholdsMode,
// MappingType...) or literal unions (VariableType). Loose<T> turns those
// into string (and numeric enums into number), keeping the whole structure:
// every object, array, number, string and boolean must still sit where the
// schema says.
type Loose<T> = 0 extends 1 & T
  ? T // any
  : T extends string
    ? string
    : T extends number
      ? number
      : T extends boolean
        ? boolean
        : T extends readonly (infer U)[]
          ? Loose<U>[]
          : T extends object
            ? { [K in keyof T]: Loose<T[K]> }
            : T;

export const imported: Loose<Dashboard> = dashboard;

// Literal<T> keeps literal unions and turns string enums into the union of
// their values (ThresholdsMode -> "absolute" | "percentage"). run.sh writes
// the dashboard as an object literal typed Literal<Dashboard>: there tsc also
// checks enum values ("mode": "absolut" fails) and rejects properties the
// schema does not know ("fieldconfig", "gridpos").
export type Literal<T> = 0 extends 1 & T
  ? T
  : T extends string
    ? `${T}`
    : T extends readonly (infer U)[]
      ? Literal<U>[]
      : T extends object
        ? { [K in keyof T]: Literal<T[K]> }
        : T;
