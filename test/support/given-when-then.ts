import { expect } from 'chai';
import type { Decider, DomainEvent } from '../../src/domain/shared/types.js';

type ErrorClass = new (...args: never[]) => Error;

/** given(events).when(command).then(events) | .thenThrows(ErrorClass) for any decider. */
export const specFor = <State, Command, Event extends DomainEvent>(decider: Decider<State, Command, Event>) => {
  const given = (history: Event[]) => ({
    when: (command: Command) => {
      const decide = () => decider.decide(command, history.reduce(decider.evolve, decider.initialState()));
      return {
        then: (expected: Event[]) => expect(decide()).to.deep.equal(expected),
        thenThrows: (errorClass: ErrorClass, message?: RegExp | string) => {
          if (message === undefined) expect(decide).to.throw(errorClass);
          else expect(decide).to.throw(errorClass, message);
        },
      };
    },
    /** The state folded from the history, for assertions on evolve. */
    state: () => history.reduce(decider.evolve, decider.initialState()),
  });
  return { given };
};
