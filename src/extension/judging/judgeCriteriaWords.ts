// The judges' criteria in words, for the verdict panel. Pure.
import type { JudgeCriteria } from '../../core/tasks/judgeTypes';

/** The criteria in words, for the panel. */
export function criteriaWords(criteria: JudgeCriteria): string {
  switch (criteria.kind) {
    case 'principles':
      return `principles ${criteria.ids.join(', ')}`;
    case 'rubric':
      return `rubric ${criteria.id}`;
    case 'default':
      return 'the default question (helpful, honest, harmless)';
    default:
      // A row written by another tool may carry criteria of a kind this version does not know.
      return 'criteria of an unknown kind';
  }
}
