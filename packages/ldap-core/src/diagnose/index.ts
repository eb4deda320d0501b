export { diagnose } from './diagnose.ts';
export type { DiagnoseResult, DiagnoseStep } from './types.ts';
