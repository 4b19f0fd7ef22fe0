import type { Ctx } from '../ctx';
import { DatasetDiagnostics } from './datasetDiagnostics';
import { registerRowCodeActions } from './rowCodeActions';

/** The diagnostics of open datasets and their quick fixes. */
export function registerDatasetDiagnostics(ctx: Ctx): DatasetDiagnostics {
  const diagnostics = ctx.register(new DatasetDiagnostics(ctx));
  registerRowCodeActions(ctx, (uri) => diagnostics.fileKind(uri));
  return diagnostics;
}
