/** Block devices for tests. */
// A view of another device whose close() leaves the underlying device open: lets a test "close"
// a pool (export, destroy, a simulated crash) and open the same medium again.
export { DeviceView } from '../../src/bdev/index.js';
