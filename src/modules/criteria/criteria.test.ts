import { compileCriteria } from './criteria.compiler.js';
import { listFields, resolvePath } from './criteria.fields.js';

const TENANT = '11111111-1111-4111-8111-111111111111';
const options = { tenantId: TENANT, now: new Date('2026-11-27T10:00:00Z'), timeZone: 'Asia/Makassar' };

describe('criteria compiler', () => {
  it('never writes a value into the SQL, and limits every table to the tenant', () => {
    const evil = "x' or 1=1 --";
    const out = compileCriteria(
      'TICKET',
      {
        groups: [
          {
            filters: [
              { field: 'subject', operator: 'CONTAINS', value: evil },
              { field: 'practice.client.nationality', operator: 'IN', value: [evil, 'Italian'] },
            ],
          },
        ],
      },
      options,
    );
    if (!out.ok) throw new Error(JSON.stringify(out.errors));
    expect(out.sql).not.toContain('1=1');
    expect(out.sql.match(/\?/g)).toHaveLength(out.params.length);
    // The root and both EXISTS carry the tenant condition.
    expect(out.sql.match(/"tenant_id" = \?/g)).toHaveLength(3);
    expect(out.params.filter((p) => p === TENANT)).toHaveLength(3);
    expect(out.params).toContain("%x' or 1=1 --%");
  });

  it('escapes LIKE wildcards in values', () => {
    const out = compileCriteria(
      'CLIENT',
      { groups: [{ filters: [{ field: 'fullName', operator: 'STARTS_WITH', value: '50%_a\\' }] }] },
      options,
    );
    if (!out.ok) throw new Error('invalid');
    expect(out.params).toContain('50\\%\\_a\\\\%');
  });

  it('reports each problem with its path inside the tree', () => {
    const out = compileCriteria(
      'DEAL',
      {
        groups: [
          {
            filters: [{ field: 'owner.email', operator: 'GT', value: 'a' }],
            anyOf: [{ groups: [{ filters: [{ field: 'amount', operator: 'BETWEEN', value: [1] }] }] }],
          },
        ],
      },
      options,
      ['where'],
    );
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.errors.map((e) => [e.code, e.field?.join('.')])).toEqual([
      ['CRITERIA_INVALID_OPERATOR', 'where.groups.0.filters.0.operator'],
      ['CRITERIA_INVALID_VALUE', 'where.groups.0.anyOf.0.groups.0.filters.0.value'],
    ]);
  });

  it('resolves paths of at most two relations', () => {
    expect(resolvePath('TICKET', 'practice.client.nationality')?.hops).toHaveLength(2);
    expect(resolvePath('CLIENT', 'practices.client.practices.status')).toBeNull();
    expect(resolvePath('CLIENT', 'client.email')?.path).toBe('email');
    expect(listFields('CLIENT').every((f) => f.path.split('.').length <= 3)).toBe(true);
  });
});
