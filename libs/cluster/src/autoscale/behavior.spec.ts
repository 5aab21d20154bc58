import { behaviorProblems, DEFAULT_BEHAVIOR, resolveBehavior } from './behavior';

describe(resolveBehavior.name, () => {
  it("should give Kubernetes' defaults without overrides", () => {
    expect(resolveBehavior()).toEqual({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: {
        stabilizationWindowSeconds: 300,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      },
    });
    expect(resolveBehavior(null)).toEqual(DEFAULT_BEHAVIOR);
  });

  it('should merge what an app sets field by field over the defaults', () => {
    // The docs' "change downscale stabilization window" example.
    const behavior = resolveBehavior({ scaleDown: { stabilizationWindowSeconds: 60 } });
    expect(behavior.scaleDown).toEqual({ ...DEFAULT_BEHAVIOR.scaleDown, stabilizationWindowSeconds: 60 });
    expect(behavior.scaleUp).toEqual(DEFAULT_BEHAVIOR.scaleUp);
  });

  it('should replace the policies of a direction as a whole', () => {
    const policies = [{ type: 'Percent' as const, value: 10, periodSeconds: 60 }];
    const behavior = resolveBehavior({ scaleDown: { policies, selectPolicy: 'Min' } });
    expect(behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 300, selectPolicy: 'Min', policies });
  });

  it('should fall back to the default policies when given none', () => {
    expect(resolveBehavior({ scaleUp: { policies: [] } }).scaleUp.policies).toEqual(
      DEFAULT_BEHAVIOR.scaleUp.policies,
    );
  });

  it('should hand out copies that leave the defaults alone', () => {
    const behavior = resolveBehavior();
    behavior.scaleUp.policies[0]!.value = 99;
    expect(DEFAULT_BEHAVIOR.scaleUp.policies[0]!.value).toBe(4);
    expect(Object.isFrozen(DEFAULT_BEHAVIOR.scaleDown.policies[0])).toBe(true);
  });
});

describe(behaviorProblems.name, () => {
  it.each([
    ['nothing', undefined],
    ['null', null],
    ['an empty object', {}],
    [
      'the docs\u2019 "limit scale down rate" example',
      { scaleDown: { policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } },
    ],
    [
      'the docs\u2019 "selectPolicy Min" example',
      {
        scaleDown: {
          policies: [
            { type: 'Percent', value: 10, periodSeconds: 60 },
            { type: 'Pods', value: 5, periodSeconds: 60 },
          ],
          selectPolicy: 'Min',
        },
      },
    ],
    ['the docs\u2019 "disable scale down" example', { scaleDown: { selectPolicy: 'Disabled' } }],
    [
      'the largest window and period',
      {
        scaleUp: {
          stabilizationWindowSeconds: 3600,
          policies: [{ type: 'Pods', value: 1, periodSeconds: 1800 }],
        },
      },
    ],
  ])('should accept %s', (_, overrides) => {
    expect(behaviorProblems(overrides)).toEqual([]);
  });

  it.each([
    ['a list', [], ['behavior must be an object with scaleUp and/or scaleDown']],
    [
      'an unknown direction',
      { scaleSideways: {} },
      ['behavior.scaleSideways is not a setting (expected one of scaleUp, scaleDown)'],
    ],
    [
      'rules that are not an object',
      { scaleUp: 5 },
      ['behavior.scaleUp must be an object (stabilizationWindowSeconds, selectPolicy, policies)'],
    ],
    [
      'a window over an hour',
      { scaleDown: { stabilizationWindowSeconds: 3601 } },
      [
        'behavior.scaleDown.stabilizationWindowSeconds must be a whole number of seconds from 0 to 3600 (got 3601)',
      ],
    ],
    [
      'a fractional window',
      { scaleDown: { stabilizationWindowSeconds: 1.5 } },
      [
        'behavior.scaleDown.stabilizationWindowSeconds must be a whole number of seconds from 0 to 3600 (got 1.5)',
      ],
    ],
    [
      'an unknown selectPolicy',
      { scaleUp: { selectPolicy: 'max' } },
      ['behavior.scaleUp.selectPolicy must be "Max", "Min" or "Disabled" (got "max")'],
    ],
    [
      'an empty policy list',
      { scaleUp: { policies: [] } },
      ['behavior.scaleUp.policies must be a list of 1 to 10 policies'],
    ],
    [
      'a bad policy',
      {
        scaleDown: {
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 60 },
            { type: 'Instances', value: 0, periodSeconds: 0, extra: 1 },
          ],
        },
      },
      [
        'behavior.scaleDown.policies[1].extra is not a setting (expected one of type, value, periodSeconds)',
        'behavior.scaleDown.policies[1].type must be "Pods" or "Percent" (got "Instances")',
        'behavior.scaleDown.policies[1].value must be a whole number above 0 (got 0)',
        'behavior.scaleDown.policies[1].periodSeconds must be a whole number of seconds from 1 to 1800 (got 0)',
      ],
    ],
    [
      'a policy that is not an object',
      { scaleUp: { policies: ['fast'] } },
      ['behavior.scaleUp.policies[0] must be an object with type, value and periodSeconds'],
    ],
  ])('should reject %s', (_, overrides, problems) => {
    expect(behaviorProblems(overrides)).toEqual(problems);
  });

  it('should report every problem of both directions at once', () => {
    expect(
      behaviorProblems({ scaleUp: { selectPolicy: 'Fast' }, scaleDown: { stabilizationWindowSeconds: -1 } }),
    ).toHaveLength(2);
  });
});
