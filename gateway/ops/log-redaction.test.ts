import { describe, expect, it } from 'vitest';
import { EhrError } from '../../workers/ehr-port.js';
import { ehrAnswerForLog, logText } from '../../workers/link.processor.js';

describe('logText (worker log lines)', () => {
  it.each([
    ['CCCD 046090001234 refused', 'CCCD ############ refused'],
    ['CMND 123456789 and BHYT DN4797932160187', 'CMND ######### and BHYT DN#############'],
    ['record 12345678 at 2025-02-22', 'record 12345678 at 2025-02-22'],
  ])('masks every run of 9 or more digits: %s', (text, logged) => {
    expect(logText(text)).toBe(logged);
  });

  it('cuts to 200 characters after masking, so a number across the cut is masked too', () => {
    const text = `${'x'.repeat(195)}046090001234 and more`;
    const logged = logText(text);
    expect(logged).toBe(`${'x'.repeat(195)}#####…`);
    expect(logged).not.toMatch(/\d/);
  });
});

describe('ehrAnswerForLog', () => {
  it('keeps the HTTP status and each issue\'s severity, code, expression and masked diagnostics, nothing else', () => {
    const err = new EhrError('EHR answered 422', 422, {
      resourceType: 'OperationOutcome',
      id: 'ignored',
      text: { status: 'generated', div: '<div>Patient 046090001234 LÊ QUANG MINH</div>' },
      issue: [
        { severity: 'error', code: 'invariant', expression: ['Bundle.entry[0].resource.identifier[0].value'], diagnostics: `identifier 046090001234 is not valid ${'y'.repeat(300)}`,
          details: { text: 'LÊ QUANG MINH' } },
        { severity: 'warning', code: 'informational' },
      ],
    });
    const answer = ehrAnswerForLog(err)!;
    expect(answer).toEqual({
      status: 422,
      issues: [
        { severity: 'error', code: 'invariant', expression: ['Bundle.entry[0].resource.identifier[0].value'], diagnostics: `identifier ############ is not valid ${'y'.repeat(200 - 37)}…` },
        { severity: 'warning', code: 'informational' },
      ],
    });
    expect(JSON.stringify(answer)).not.toMatch(/046090001234|MINH/);
  });

  it('gives status 0 and no issues for an EHR that did not answer', () => {
    expect(ehrAnswerForLog(new EhrError('EHR unreachable (timeout)', 0, undefined))).toEqual({ status: 0, issues: [] });
  });

  it('keeps at most 10 issues and ignores fields of the wrong type', () => {
    const issue = { severity: 'error', code: 'processing', expression: [42, 'Patient.birthDate'], diagnostics: { nested: 'object' } };
    const err = new EhrError('EHR answered 400', 400, { resourceType: 'OperationOutcome', issue: Array(25).fill(issue) } as never);
    const answer = ehrAnswerForLog(err)!;
    expect(answer.issues).toHaveLength(10);
    expect(answer.issues[0]).toEqual({ severity: 'error', code: 'processing', expression: ['Patient.birthDate'] });
  });

  it('is undefined for errors that are not EHR answers (their message goes through logText)', () => {
    expect(ehrAnswerForLog(new Error('connection terminated'))).toBeUndefined();
  });
});
