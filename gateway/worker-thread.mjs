// Entry of the linkage worker thread: worker threads do not inherit tsx's loader, so register it
// here, then run the TypeScript entry (gateway/worker-thread.ts).
import { register } from 'tsx/esm/api';

register();
await import('./worker-thread.ts');
