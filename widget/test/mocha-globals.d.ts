// The few Mocha globals the tests use (@web/test-runner runs Mocha; its types are not a dependency).
interface MochaContext {
  skip(): never;
  timeout(ms: number): void;
}
declare function describe(title: string, fn: (this: MochaContext) => void): void;
declare function it(title: string, fn: (this: MochaContext) => unknown): void;
declare function before(fn: (this: MochaContext) => unknown): void;
declare function afterEach(fn: (this: MochaContext) => unknown): void;
