export { diagnose } from './diagnose.ts';
export type {
  DiagnoseOptions,
  DiagnoseResult,
  DiagnoseStatus,
  DiagnoseStep,
  DiagnoseStepId,
} from './types.ts';
