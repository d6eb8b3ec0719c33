/**
 * A LIMIT bound as a parameter, as every statement of the embedded stores writes it: `LIMIT +?`.
 *
 * SQLite (3.47 on) reads the value bound to a bare `LIMIT ?` as it plans the statement, and so
 * marks that parameter as one whose value may change the plan: binding it again expires the
 * statement, which its next run compiles anew (the same as for a changed schema). better-sqlite3
 * binds every parameter on every run, so each read of a stream was parsed and planned again:
 * 10-15 µs where the read itself takes 2-4 (a stream not yet written, as every new order's,
 * payment's and shipment's is: four such reads an order). The planner does not look through a
 * unary plus for a bound value, and `+?` is the same integer when it runs. (A build with
 * SQLITE_DBCONFIG_ENABLE_QPSG would not mark it either; better-sqlite3 has no way to set it.)
 * An OFFSET is read the same way; the stores bind none.
 */
export const LIMIT_PARAM = 'LIMIT +?';
