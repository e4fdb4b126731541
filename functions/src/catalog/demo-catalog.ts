/**
 * A small demo catalog for the local runtime and tests: valid, mostly complete exercises in eight
 * families, their aliases and family registry, plus realistic broken data (BROKEN_*) that the
 * scans and validators must catch. Exercises are assembled from a family template (shared
 * muscles, movement and content) and a per-equipment variant (setup steps, description).
 */
import type { AliasDoc, ExerciseDoc, FamilyRegistryDoc } from "./schemas";
import { type ContentField, canonicalExerciseName, exerciseIdFor, toNameSlug } from "./taxonomy";

export type DemoExercise = { id: string } & ExerciseDoc;

interface FamilyTemplate {
  family_slug: string;
  base_name: string;
  /** First sentence of every description in the family; the variant adds the second. */
  description: string;
  fields: Pick<ExerciseDoc, "category" | "muscles" | "metadata" | "movement">;
  /** Execution cues after the variant's setup steps. */
  cues: string[];
  common_mistakes: string[];
  suitability_notes: string[];
  programming_use_cases: string[];
  stimulus_tags: string[];
}

interface Variant {
  equipment: string[];
  setup: string[];
  description: string;
  /** Overrides "Base (Equipment)", e.g. for bodyweight classics ("Diamond Push-Up"). */
  name?: string;
  overrides?: Partial<ExerciseDoc>;
  /** Content left out, so the demo has exercises for enrichment to complete. */
  omit?: ContentField[];
}

function buildExercise(family: FamilyTemplate, variant: Variant): DemoExercise {
  const name = variant.name ?? canonicalExerciseName(family.base_name, variant.equipment[0]);
  const name_slug = toNameSlug(name);
  const exercise: DemoExercise = {
    id: exerciseIdFor(family.family_slug, name_slug),
    name,
    name_slug,
    family_slug: family.family_slug,
    equipment: variant.equipment,
    description: `${family.description} ${variant.description}`,
    ...family.fields,
    execution_notes: [...variant.setup, ...family.cues],
    common_mistakes: family.common_mistakes,
    suitability_notes: family.suitability_notes,
    programming_use_cases: family.programming_use_cases,
    stimulus_tags: family.stimulus_tags,
    status: "approved",
    ...variant.overrides,
  };
  for (const field of variant.omit ?? []) delete exercise[field];
  // Every exercise gets its own arrays and maps, so a test that mutates one leaves the others alone.
  return structuredClone(exercise);
}

function buildFamily(family: FamilyTemplate, variants: Variant[]): DemoExercise[] {
  return variants.map((variant) => buildExercise(family, variant));
}

const BENCH_PRESS: FamilyTemplate = {
  family_slug: "bench_press",
  base_name: "Bench Press",
  description: "A horizontal press that builds the chest, the front of the shoulders and the triceps.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["pectoralis major"],
      secondary: ["anterior deltoid", "triceps"],
      category: ["chest"],
      contribution: { "pectoralis major": 0.6, "anterior deltoid": 0.2, triceps: 0.2 },
    },
    metadata: { level: "intermediate", plane_of_motion: "transverse", unilateral: false },
    movement: { type: "push", split: "upper" },
  },
  cues: [
    "Lower the weight under control until it lightly touches your lower chest.",
    "Keep your shoulder blades pinched and your feet flat throughout the set.",
    "Press back up in a slight arc until your elbows are straight.",
  ],
  common_mistakes: [
    "Bouncing the weight off the chest to start the press.",
    "Flaring the elbows straight out to the sides.",
    "Lifting the hips off the bench during the press.",
  ],
  suitability_notes: [
    "Suits lifters who want to build upper-body pushing strength.",
    "Requires shoulders that tolerate horizontal pressing without pain.",
  ],
  programming_use_cases: [
    "Use it as the main upper-body press early in a session.",
    "Train it in sets of 5 to 10 repetitions for strength and size.",
    "Pair it with a horizontal row to balance pushing and pulling volume.",
  ],
  stimulus_tags: ["Hypertrophy", "Strength", "Compound Movement", "Upper Body Push"],
};

const SQUAT: FamilyTemplate = {
  family_slug: "squat",
  base_name: "Squat",
  description: "A knee-dominant lower-body movement that trains the quadriceps and glutes through a full range.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["quadriceps", "glutes"],
      secondary: ["hamstrings", "erector spinae", "adductors"],
      category: ["legs"],
      contribution: { quadriceps: 0.5, glutes: 0.3, hamstrings: 0.1, "erector spinae": 0.05, adductors: 0.05 },
    },
    metadata: { level: "intermediate", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "squat", split: "lower" },
  },
  cues: [
    "Brace your core and sit your hips down and back between your heels.",
    "Keep your knees tracking over your toes as you descend.",
    "Drive through your whole foot to stand up tall without tipping forward.",
  ],
  common_mistakes: [
    "Letting the knees cave inward on the way up.",
    "Rounding the lower back at the bottom of the squat.",
    "Shifting the weight onto the toes and lifting the heels.",
  ],
  suitability_notes: [
    "Fits almost every training level when the depth is adjusted.",
    "Needs enough ankle and hip mobility to reach parallel comfortably.",
  ],
  programming_use_cases: [
    "Use it as the primary lower-body lift of a leg session.",
    "Program 3 to 5 sets of 5 to 12 repetitions depending on the goal.",
    "Combine it with a hinge movement to train the whole lower body.",
  ],
  stimulus_tags: ["Strength", "Hypertrophy", "Compound Movement", "Lower Body"],
};

const DEADLIFT: FamilyTemplate = {
  family_slug: "deadlift",
  base_name: "Deadlift",
  description: "A hip-hinge pull from the floor that builds the posterior chain, grip strength and total-body strength.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["hamstrings", "glutes", "erector spinae"],
      secondary: ["trapezius", "forearms", "quadriceps"],
      category: ["legs", "back"],
      contribution: { hamstrings: 0.3, glutes: 0.3, "erector spinae": 0.2, trapezius: 0.05, forearms: 0.05, quadriceps: 0.1 },
    },
    metadata: { level: "intermediate", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "hinge", split: "lower" },
  },
  cues: [
    "Take a deep breath and brace your core before the weight leaves the floor.",
    "Push the floor away with your legs while keeping the weight close to your body.",
    "Lock out by squeezing your glutes, then lower the weight along the same path.",
  ],
  common_mistakes: [
    "Rounding the lower back as the weight leaves the floor.",
    "Jerking the weight up instead of building tension first.",
    "Hyperextending the lower back at lockout.",
  ],
  suitability_notes: ["Suits lifters who want maximal posterior-chain strength.", "Requires a pain-free lower back and a solid hip hinge."],
  programming_use_cases: [
    "Use it as the main lift of a pull or lower-body day.",
    "Keep most sets between 3 and 6 repetitions to protect technique.",
    "Allow at least two days of recovery between heavy sessions.",
  ],
  stimulus_tags: ["Strength", "Posterior Chain", "Compound Movement", "Hip Hinge"],
};

const ROW: FamilyTemplate = {
  family_slug: "row",
  base_name: "Row",
  description: "A horizontal pull that strengthens the upper back and lats and balances pressing work.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["latissimus dorsi", "rhomboids"],
      secondary: ["posterior deltoid", "biceps", "trapezius"],
      category: ["back"],
      contribution: { "latissimus dorsi": 0.4, rhomboids: 0.25, "posterior deltoid": 0.1, biceps: 0.15, trapezius: 0.1 },
    },
    metadata: { level: "intermediate", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "pull", split: "upper" },
  },
  cues: [
    "Pull your elbows back toward your hips while squeezing your shoulder blades together.",
    "Pause briefly at the top with your chest up.",
    "Lower the weight slowly until your arms are fully straight.",
  ],
  common_mistakes: [
    "Jerking the torso upward to move the weight.",
    "Shrugging the shoulders toward the ears.",
    "Cutting the range of motion short at the bottom.",
  ],
  suitability_notes: ["Suits every level as a staple back exercise.", "Supports shoulder health for anyone who presses often."],
  programming_use_cases: [
    "Pair it with a horizontal press in an upper-body session.",
    "Use 3 to 4 sets of 8 to 12 repetitions for back size.",
    "Add it to warm-ups with light loads to prime the upper back.",
  ],
  stimulus_tags: ["Hypertrophy", "Strength", "Compound Movement", "Upper Body Pull"],
};

const LATERAL_RAISE: FamilyTemplate = {
  family_slug: "lateral_raise",
  base_name: "Lateral Raise",
  description: "An isolation exercise for the side of the shoulders that builds width and shoulder stability.",
  fields: {
    category: "isolation",
    muscles: {
      primary: ["lateral deltoid"],
      secondary: ["anterior deltoid", "trapezius"],
      category: ["shoulders"],
      contribution: { "lateral deltoid": 0.75, "anterior deltoid": 0.15, trapezius: 0.1 },
    },
    metadata: { level: "beginner", plane_of_motion: "frontal", unilateral: false },
    movement: { type: "abduction", split: "upper" },
  },
  cues: [
    "Raise your arms out to the sides with a slight bend in the elbows.",
    "Stop when your hands reach shoulder height, leading with the elbows.",
    "Lower slowly over two to three seconds without letting the weight swing.",
  ],
  common_mistakes: [
    "Swinging the torso to lift heavier weights.",
    "Shrugging the shoulders up toward the ears.",
    "Raising the hands well above shoulder height.",
  ],
  suitability_notes: ["Suits all levels, including those new to training.", "Works well for people with limited pressing tolerance."],
  programming_use_cases: [
    "Use it late in a session after the main presses.",
    "Program higher repetitions, such as 12 to 20 per set.",
    "Add sets across the week to bring up lagging shoulder width.",
  ],
  stimulus_tags: ["Hypertrophy", "Isolation", "Shoulder Width", "Upper Body"],
};

const PUSH_UP: FamilyTemplate = {
  family_slug: "push_up",
  base_name: "Push-Up",
  description: "A bodyweight press that trains the chest, shoulders and triceps while the core holds a rigid line.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["pectoralis major"],
      secondary: ["triceps", "anterior deltoid", "rectus abdominis"],
      category: ["chest"],
      contribution: { "pectoralis major": 0.55, triceps: 0.2, "anterior deltoid": 0.15, "rectus abdominis": 0.1 },
    },
    metadata: { level: "beginner", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "push", split: "upper" },
  },
  cues: [
    "Brace your core and squeeze your glutes so your body forms a straight line.",
    "Lower your chest toward the floor with your elbows at about 45 degrees.",
    "Push the floor away until your arms are straight.",
  ],
  common_mistakes: [
    "Letting the hips sag toward the floor.",
    "Flaring the elbows straight out to the sides.",
    "Shortening the range by stopping halfway down.",
  ],
  suitability_notes: ["Suits beginners and advanced trainees when the angle is adjusted.", "Needs pain-free wrists or push-up handles."],
  programming_use_cases: [
    "Use it for high-repetition upper-body work without equipment.",
    "Program it in circuits or as a finisher after heavier presses.",
    "Progress it by changing hand position or elevating the feet.",
  ],
  stimulus_tags: ["Hypertrophy", "Muscular Endurance", "Compound Movement", "Calisthenics"],
};

const PLANK: FamilyTemplate = {
  family_slug: "plank",
  base_name: "Plank",
  description: "An isometric core exercise that trains the trunk to resist movement and hold the spine neutral.",
  fields: {
    category: "core",
    muscles: {
      primary: ["rectus abdominis", "transverse abdominis"],
      secondary: ["obliques", "glutes"],
      category: ["core"],
      contribution: { "rectus abdominis": 0.4, "transverse abdominis": 0.3, obliques: 0.2, glutes: 0.1 },
    },
    metadata: { level: "beginner", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "other", split: "core" },
  },
  cues: [
    "Brace your abs as if preparing for a punch and keep breathing steadily.",
    "Squeeze your glutes to keep your hips level with your shoulders.",
    "Hold the position for the planned time, then rest before the next set.",
  ],
  common_mistakes: [
    "Letting the hips sag toward the floor.",
    "Piking the hips high to reduce the load.",
    "Holding the breath during the set.",
  ],
  suitability_notes: [
    "Suits all levels as a safe introduction to core training.",
    "Adapts easily for people with wrist pain by using the forearms.",
  ],
  programming_use_cases: [
    "Use it at the end of a session for 2 to 4 sets.",
    "Build up to holds of 30 to 60 seconds before adding difficulty.",
    "Include it in warm-ups to prepare the trunk for heavy lifts.",
  ],
  stimulus_tags: ["Core Stability", "Muscular Endurance", "Isometric", "Injury Prevention"],
};

const PULL_UP: FamilyTemplate = {
  family_slug: "pull_up",
  base_name: "Pull-Up",
  description: "A vertical pull that builds the lats and upper back by lifting the whole body to the bar.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["latissimus dorsi"],
      secondary: ["biceps", "rhomboids", "trapezius"],
      category: ["back"],
      contribution: { "latissimus dorsi": 0.55, biceps: 0.2, rhomboids: 0.15, trapezius: 0.1 },
    },
    metadata: { level: "intermediate", plane_of_motion: "frontal", unilateral: false },
    movement: { type: "pull", split: "upper" },
  },
  cues: [
    "Pull your elbows down toward your ribs until your chin clears the bar.",
    "Keep your ribs down and avoid swinging your legs.",
    "Lower yourself under control until your arms are fully straight.",
  ],
  common_mistakes: [
    "Kipping or swinging to get the chin over the bar.",
    "Stopping short of a full hang at the bottom.",
    "Craning the neck to reach the bar.",
  ],
  suitability_notes: [
    "Suits trainees who can control their own body weight.",
    "Beginners can use bands or slow negatives until full repetitions are possible.",
  ],
  programming_use_cases: [
    "Use it as the main vertical pull of an upper-body session.",
    "Program 3 to 5 sets of 5 to 10 repetitions.",
    "Add weight with a belt once 12 clean repetitions are easy.",
  ],
  stimulus_tags: ["Strength", "Hypertrophy", "Compound Movement", "Calisthenics"],
};

const unilateral = (template: FamilyTemplate): Partial<ExerciseDoc> => ({
  metadata: { ...template.fields.metadata, unilateral: true },
});

export const DEMO_EXERCISES: readonly DemoExercise[] = [
  ...buildFamily(BENCH_PRESS, [
    {
      equipment: ["barbell"],
      setup: [
        "Lie on a flat bench with your eyes under the racked bar and grip it slightly wider than shoulder width.",
        "Unrack the bar and hold it over your shoulders with straight arms.",
      ],
      description: "The barbell version allows the heaviest loads and simple, steady progression.",
    },
    {
      equipment: ["dumbbell"],
      setup: ["Sit on the end of a flat bench with a dumbbell on each thigh, then lie back and bring them over your chest."],
      description: "Using dumbbells lets each arm work independently and allows a deeper stretch at the bottom.",
    },
    {
      equipment: ["smith-machine"],
      setup: [
        "Set a flat bench under the bar so it lines up with your lower chest.",
        "Grip the bar slightly wider than shoulder width and unhook it by rotating the hooks back.",
      ],
      description: "The smith machine guides the bar on a fixed path, so you can push close to failure without a spotter.",
    },
  ]),
  ...buildFamily(SQUAT, [
    {
      equipment: ["barbell"],
      setup: [
        "Set the bar in a rack at upper-chest height and step under it so it rests on your upper back.",
        "Stand up to unrack the bar and take two steps back into a shoulder-width stance.",
      ],
      description: "Loading a barbell on the upper back allows the heaviest weights and long-term progression.",
    },
    {
      equipment: ["dumbbell"],
      setup: ["Hold one dumbbell vertically against your chest with both hands and stand with feet shoulder-width apart."],
      description: "Holding a dumbbell at the chest keeps the torso upright and makes the squat easy to learn.",
    },
    {
      equipment: ["smith-machine"],
      setup: ["Position the bar on your upper back and place your feet slightly in front of your hips."],
      description: "The smith machine fixes the bar path, which lets you focus on the legs with less balance demand.",
    },
    {
      equipment: ["kettlebell"],
      setup: ["Hold a kettlebell by the horns at chest height and stand with your feet just outside shoulder width."],
      description: "A kettlebell held at the chest offers a comfortable grip and an upright torso for higher repetitions.",
    },
    {
      equipment: ["bodyweight"],
      setup: ["Stand with your feet shoulder-width apart and extend your arms in front of you for balance."],
      description: "Without external load it is a good warm-up and a simple way to learn the squat pattern.",
      overrides: { metadata: { ...SQUAT.fields.metadata, level: "beginner" } },
    },
  ]),
  ...buildFamily(DEADLIFT, [
    {
      equipment: ["barbell"],
      setup: [
        "Stand with your mid-foot under the bar and your feet hip-width apart.",
        "Hinge down and grip the bar just outside your legs with your shins touching it.",
      ],
      description: "The barbell version is the classic test of pulling strength and the easiest to progress.",
    },
    {
      equipment: ["trap-bar"],
      setup: [
        "Step inside the frame so the handles line up with the middle of your feet.",
        "Sit your hips down and grip the handles with a neutral grip.",
      ],
      description: "A trap bar keeps the load centred over your feet, which reduces stress on the lower back.",
    },
    {
      equipment: ["dumbbell"],
      setup: ["Stand with a dumbbell on each side of your feet and hinge down to grip them with neutral hands."],
      description: "Dumbbells at the sides make it approachable for beginners and for home training.",
    },
    {
      equipment: ["kettlebell"],
      setup: ["Place a kettlebell between your feet and hinge down to grip the handle with both hands."],
      description: "A single kettlebell between the feet teaches the hinge pattern with a modest load.",
    },
  ]),
  ...buildFamily(ROW, [
    {
      equipment: ["barbell"],
      setup: [
        "Hold the barbell with an overhand grip just outside your knees.",
        "Hinge forward until your torso is nearly parallel to the floor with a flat back.",
      ],
      description: "The barbell version loads both arms together and builds strength in the hinge position as well.",
    },
    {
      equipment: ["dumbbell"],
      setup: ["Place one knee and one hand on a flat bench and hold a dumbbell in the free hand."],
      description: "Rowing one dumbbell at a time supports the torso and lets each side work through a long range.",
      overrides: unilateral(ROW),
    },
    {
      equipment: ["cable"],
      setup: ["Sit at the row station with your feet on the platform and grip the handle with straight arms."],
      description: "The cable keeps tension on the back through the whole range and makes small load changes easy.",
    },
    {
      equipment: ["machine"],
      setup: ["Adjust the seat so the handles are at chest height and rest your chest against the pad."],
      description: "A chest-supported machine removes the lower back from the movement so the upper back can work hard.",
    },
    {
      equipment: ["resistance-band"],
      setup: ["Anchor the band at chest height and step back until it is taut."],
      description: "A resistance band makes this row easy to do at home and adds tension toward the end of the pull.",
      omit: ["programming_use_cases", "stimulus_tags"],
    },
  ]),
  ...buildFamily(LATERAL_RAISE, [
    {
      equipment: ["dumbbell"],
      setup: ["Stand tall with a dumbbell in each hand at your sides, palms facing in."],
      description: "Dumbbells are the most common way to train it and need nothing but a light pair.",
    },
    {
      equipment: ["cable"],
      setup: ["Stand side-on to a low pulley and grip the handle with the far hand."],
      description: "The cable keeps tension at the bottom of the range, where free weights go slack.",
      overrides: unilateral(LATERAL_RAISE),
    },
    {
      equipment: ["machine"],
      setup: ["Sit in the machine with your shoulders aligned to the pivot and your arms against the pads."],
      description: "The machine fixes the arc of the raise and makes it easy to train close to failure safely.",
    },
    {
      equipment: ["resistance-band"],
      setup: ["Stand on the middle of the band and hold one end in each hand."],
      description: "A resistance band gives more tension at the top and fits in a travel bag.",
      overrides: {
        execution_notes: [
          "Stand on the middle of the band and hold one end in each hand.",
          "Raise your arms out to the sides with a slight bend in the elbows.",
          "Lower slowly over two to three seconds without letting the band snap back.",
        ],
      },
    },
  ]),
  ...buildFamily(PUSH_UP, [
    {
      name: "Push-Up",
      equipment: ["bodyweight"],
      setup: ["Place your hands slightly wider than shoulder width on the floor and extend your legs behind you."],
      description: "The standard version needs no equipment and scales with tempo and repetitions.",
    },
    {
      name: "Incline Push-Up",
      equipment: ["bodyweight"],
      setup: ["Place your hands on a sturdy bench or box and walk your feet back until your body is straight."],
      description: "Raising the hands reduces the load, making it a good first step toward the full version.",
    },
    {
      name: "Decline Push-Up",
      equipment: ["bodyweight"],
      setup: ["Place your feet on a bench and your hands on the floor slightly wider than your shoulders."],
      description: "Raising the feet shifts more of the load onto the upper chest and the shoulders.",
      overrides: { metadata: { ...PUSH_UP.fields.metadata, level: "intermediate" } },
    },
    {
      name: "Diamond Push-Up",
      equipment: ["bodyweight"],
      setup: ["Place your hands close together under your chest so your thumbs and index fingers touch."],
      description: "A narrow hand position moves more of the work onto the triceps.",
      overrides: { metadata: { ...PUSH_UP.fields.metadata, level: "intermediate" } },
    },
  ]),
  ...buildFamily(PLANK, [
    {
      name: "Plank",
      equipment: ["bodyweight"],
      setup: ["Set your forearms on the floor under your shoulders and extend your legs behind you."],
      description: "The front version is the standard starting point for trunk endurance.",
    },
    {
      name: "Side Plank",
      equipment: ["bodyweight"],
      setup: ["Lie on your side and prop yourself up on one forearm with your elbow under your shoulder."],
      description: "Turning onto one side shifts the work to the obliques and the side of the hips.",
      overrides: { metadata: { level: "beginner", plane_of_motion: "frontal", unilateral: true } },
    },
  ]),
  ...buildFamily(PULL_UP, [
    {
      name: "Pull-Up",
      equipment: ["pull-up-bar"],
      setup: ["Hang from the bar with an overhand grip slightly wider than your shoulders."],
      description: "The overhand grip places the most emphasis on the lats.",
    },
    {
      name: "Neutral-Grip Pull-Up",
      equipment: ["pull-up-bar"],
      setup: ["Hang from parallel handles with your palms facing each other."],
      description: "Facing the palms toward each other is easier on the shoulders and elbows.",
    },
  ]),
];

/** Old slugs kept after renames, and family aliases (document id = alias_slug). */
export const DEMO_ALIASES: readonly AliasDoc[] = [
  { alias_slug: "barbell-bench-press", exercise_id: "bench_press__bench-press-barbell", is_family_alias: false },
  { alias_slug: "flat-dumbbell-press", exercise_id: "bench_press__bench-press-dumbbell", is_family_alias: false },
  { alias_slug: "goblet-squat", exercise_id: "squat__squat-dumbbell", is_family_alias: false },
  { alias_slug: "conventional-deadlift", exercise_id: "deadlift__deadlift-barbell", is_family_alias: false },
  { alias_slug: "bent_over_row", family_slug: "row", is_family_alias: true },
  { alias_slug: "press_up", family_slug: "push_up", is_family_alias: true },
];

/** The registry as recomputed from DEMO_EXERCISES (a test keeps the two in step). */
export const DEMO_FAMILIES: readonly FamilyRegistryDoc[] = [
  family("bench_press", "Bench Press", ["barbell", "dumbbell", "smith-machine"], 3),
  family("squat", "Squat", ["barbell", "dumbbell", "smith-machine", "kettlebell", "bodyweight"], 5),
  family("deadlift", "Deadlift", ["barbell", "trap-bar", "dumbbell", "kettlebell"], 4),
  family("row", "Row", ["barbell", "dumbbell", "cable", "machine", "resistance-band"], 5),
  family("lateral_raise", "Lateral Raise", ["dumbbell", "cable", "machine", "resistance-band"], 4),
  family("push_up", "Push-Up", ["bodyweight"], 4),
  family("plank", "Plank", ["bodyweight"], 2),
  family("pull_up", "Pull-Up", ["pull-up-bar"], 2),
];

function family(family_slug: string, base_name: string, equipment: string[], count: number): FamilyRegistryDoc {
  return {
    family_slug,
    base_name,
    primary_equipment: equipment,
    allowed_equipment: [...equipment],
    exercise_count: count,
    status: "active",
  };
}

// ---------------------------------------------------------------------------------------------
// Broken data. Each item names its defect; `data` is the raw document (without its id).

export type BrokenExerciseDefect =
  | "name_starts_with_equipment"
  | "missing_equipment_suffix"
  | "numbered_execution_notes"
  | "unnormalised_muscles"
  | "shared_primary_equipment"
  | "old_slug_without_alias"
  | "deprecated_fields"
  | "missing_description"
  | "non_canonical_enums"
  | "name_slug_mismatch"
  | "style_issues_only"
  | "merged_without_target";

export interface BrokenExercise {
  id: string;
  defect: BrokenExerciseDefect;
  data: Record<string, unknown>;
}

export type BrokenAliasDefect = "orphaned_exercise_alias" | "orphaned_family_alias" | "both_targets" | "no_target" | "family_flag_mismatch";

export interface BrokenAlias {
  id: string;
  defect: BrokenAliasDefect;
  data: Record<string, unknown>;
}

const HIP_THRUST: FamilyTemplate = {
  family_slug: "hip_thrust",
  base_name: "Hip Thrust",
  description: "A hip extension exercise with the upper back on a bench that loads the glutes at full lockout.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["glutes"],
      secondary: ["hamstrings", "quadriceps"],
      category: ["legs"],
      contribution: { glutes: 0.7, hamstrings: 0.2, quadriceps: 0.1 },
    },
    metadata: { level: "intermediate", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "hinge", split: "lower" },
  },
  cues: [
    "Drive through your heels and lift your hips until your torso is parallel to the floor.",
    "Tuck your chin and keep your ribs down at the top.",
    "Lower your hips under control until they nearly touch the floor.",
  ],
  common_mistakes: ["Arching the lower back instead of extending the hips.", "Pushing through the toes so the heels lift."],
  suitability_notes: ["Suits lifters who want to target the glutes directly.", "Works for people who cannot squat deeply."],
  programming_use_cases: [
    "Use it after squats or deadlifts on lower-body days.",
    "Program 3 to 4 sets of 8 to 15 repetitions.",
    "Pause at the top of each repetition to increase difficulty.",
  ],
  stimulus_tags: ["Hypertrophy", "Glute Focus", "Compound Movement", "Lower Body"],
};

const BICEPS_CURL: FamilyTemplate = {
  family_slug: "biceps_curl",
  base_name: "Biceps Curl",
  description: "An elbow flexion exercise that builds the biceps and the front of the upper arm.",
  fields: {
    category: "isolation",
    muscles: {
      primary: ["biceps"],
      secondary: ["brachialis", "forearms"],
      category: ["arms"],
      contribution: { biceps: 0.7, brachialis: 0.2, forearms: 0.1 },
    },
    metadata: { level: "beginner", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "flexion", split: "upper" },
  },
  cues: [
    "Keep your elbows pinned to your sides as you curl the weight up.",
    "Squeeze your biceps at the top without letting your elbows drift forward.",
    "Lower the weight slowly until your arms are straight.",
  ],
  common_mistakes: [
    "Swinging the torso to start the curl.",
    "Letting the elbows drift forward at the top.",
    "Dropping the weight quickly on the way down.",
  ],
  suitability_notes: ["Suits all levels as a simple arm exercise.", "Needs healthy elbows and wrists for heavier loads."],
  programming_use_cases: [
    "Use it at the end of an upper-body or pull session.",
    "Program 2 to 4 sets of 8 to 15 repetitions.",
    "Pair it with a triceps exercise as a superset to save time.",
  ],
  stimulus_tags: ["Hypertrophy", "Isolation", "Arm Development", "Upper Body"],
};

const SHOULDER_PRESS: FamilyTemplate = {
  family_slug: "shoulder_press",
  base_name: "Shoulder Press",
  description: "A vertical press that builds the shoulders and triceps and strengthens the overhead position.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["anterior deltoid", "lateral deltoid"],
      secondary: ["triceps", "trapezius"],
      category: ["shoulders"],
      contribution: { "anterior deltoid": 0.45, "lateral deltoid": 0.25, triceps: 0.2, trapezius: 0.1 },
    },
    metadata: { level: "intermediate", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "push", split: "upper" },
  },
  cues: [
    "Brace your core and squeeze your glutes to keep your lower back neutral.",
    "Press the weight straight overhead until your arms are locked out.",
    "Lower the weight under control back to shoulder height.",
  ],
  common_mistakes: [
    "Leaning back excessively to finish the press.",
    "Flaring the ribs and arching the lower back.",
    "Stopping the weight short of full lockout.",
  ],
  suitability_notes: ["Suits lifters with good overhead shoulder mobility.", "Needs a pain-free shoulder when the arms are raised."],
  programming_use_cases: [
    "Use it as the main press of a shoulder day.",
    "Program 3 to 5 sets of 5 to 10 repetitions.",
    "Alternate it with a horizontal press across the week.",
  ],
  stimulus_tags: ["Strength", "Hypertrophy", "Compound Movement", "Overhead Press"],
};

const LEG_PRESS: FamilyTemplate = {
  family_slug: "leg_press",
  base_name: "Leg Press",
  description: "A machine press that trains the quadriceps and glutes with the back supported against a pad.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["quadriceps", "glutes"],
      secondary: ["hamstrings", "adductors"],
      category: ["legs"],
      contribution: { quadriceps: 0.55, glutes: 0.25, hamstrings: 0.1, adductors: 0.1 },
    },
    metadata: { level: "beginner", plane_of_motion: "sagittal", unilateral: false },
    movement: { type: "squat", split: "lower" },
  },
  cues: [
    "Lower the platform until your knees reach about 90 degrees.",
    "Keep your lower back pressed into the pad throughout.",
    "Press the platform away without locking your knees hard.",
  ],
  common_mistakes: [
    "Letting the lower back round off the pad.",
    "Locking the knees hard at the top.",
    "Bouncing the platform out of the bottom.",
  ],
  suitability_notes: [
    "Suits beginners who want heavy leg work without balance demands.",
    "Works around lower-back issues that limit squatting.",
  ],
  programming_use_cases: [
    "Use it after squats to add leg volume.",
    "Program 3 to 4 sets of 10 to 15 repetitions.",
    "Use it as the main leg exercise when squats are not an option.",
  ],
  stimulus_tags: ["Hypertrophy", "Strength", "Compound Movement", "Lower Body"],
};

const LAT_PULLDOWN: FamilyTemplate = {
  family_slug: "lat_pulldown",
  base_name: "Lat Pulldown",
  description: "A vertical pull that builds the lats and upper back while seated under a pulldown station.",
  fields: {
    category: "compound",
    muscles: {
      primary: ["latissimus dorsi"],
      secondary: ["biceps", "rhomboids", "posterior deltoid"],
      category: ["back"],
      contribution: { "latissimus dorsi": 0.6, biceps: 0.2, rhomboids: 0.1, "posterior deltoid": 0.1 },
    },
    metadata: { level: "beginner", plane_of_motion: "frontal", unilateral: false },
    movement: { type: "pull", split: "upper" },
  },
  cues: [
    "Pull the bar to your upper chest by driving your elbows down.",
    "Keep your chest up and avoid leaning far back.",
    "Let the bar rise slowly until your arms are fully extended.",
  ],
  common_mistakes: [
    "Leaning far back to turn the pull into a row.",
    "Pulling the bar behind the neck.",
    "Letting the weight stack slam between repetitions.",
  ],
  suitability_notes: ["Suits beginners who cannot yet do pull-ups.", "Allows precise loading for every strength level."],
  programming_use_cases: [
    "Use it as the main vertical pull of a back session.",
    "Program 3 to 4 sets of 8 to 12 repetitions.",
    "Pair it with a pressing exercise in an upper-body superset.",
  ],
  stimulus_tags: ["Hypertrophy", "Strength", "Compound Movement", "Upper Body Pull"],
};

const CHEST_FLY: FamilyTemplate = {
  family_slug: "chest_fly",
  base_name: "Chest Fly",
  description: "An isolation exercise for the chest that trains the pecs through a wide arc of horizontal adduction.",
  fields: {
    category: "isolation",
    muscles: {
      primary: ["pectoralis major"],
      secondary: ["anterior deltoid"],
      category: ["chest"],
      contribution: { "pectoralis major": 0.8, "anterior deltoid": 0.2 },
    },
    metadata: { level: "beginner", plane_of_motion: "transverse", unilateral: false },
    movement: { type: "adduction", split: "upper" },
  },
  cues: [
    "Bring your hands together in a wide arc in front of your chest.",
    "Keep a slight bend in your elbows throughout the movement.",
    "Return slowly until you feel a stretch across your chest.",
  ],
  common_mistakes: ["Bending the elbows so the fly turns into a press.", "Letting the arms drop too far behind the body."],
  suitability_notes: ["Suits all levels as a chest isolation exercise.", "Useful for people who want chest work without heavy pressing."],
  programming_use_cases: [
    "Use it after the main presses of a chest session.",
    "Program 2 to 4 sets of 10 to 15 repetitions.",
    "Use a slow tempo to emphasise the stretch.",
  ],
  stimulus_tags: ["Hypertrophy", "Isolation", "Chest Development", "Upper Body"],
};

function broken(
  defect: BrokenExerciseDefect,
  template: FamilyTemplate,
  variant: Variant,
  changes: { id?: string; set?: Record<string, unknown>; remove?: string[] } = {},
): BrokenExercise {
  const { id, ...exercise } = buildExercise(template, variant);
  const data: Record<string, unknown> = { ...exercise, ...changes.set };
  for (const field of changes.remove ?? []) delete data[field];
  return { id: changes.id ?? id, defect, data };
}

export const BROKEN_EXERCISES: readonly BrokenExercise[] = [
  broken("name_starts_with_equipment", HIP_THRUST, {
    name: "Barbell Hip Thrust",
    equipment: ["barbell"],
    setup: ["Sit on the floor with your upper back against a bench and roll a padded barbell over your hips."],
    description: "The barbell version allows heavy loading of the hips.",
  }),
  // biceps_curl has several primary equipments, so every name needs its "(Equipment)" suffix.
  broken("missing_equipment_suffix", BICEPS_CURL, {
    name: "Biceps Curl",
    equipment: ["barbell"],
    setup: ["Stand tall and hold a barbell with an underhand grip at shoulder width."],
    description: "The barbell version lets both arms lift a heavy load together.",
  }),
  broken("missing_equipment_suffix", BICEPS_CURL, {
    name: "Alternating Biceps Curl",
    equipment: ["dumbbell"],
    setup: ["Stand tall with a dumbbell in each hand and your palms facing forward."],
    description: "Alternating arms with dumbbells lets each side work through a full range.",
    overrides: unilateral(BICEPS_CURL),
  }),
  broken(
    "numbered_execution_notes",
    BICEPS_CURL,
    {
      equipment: ["cable"],
      setup: [],
      description: "The cable keeps tension on the biceps at the bottom of the curl.",
    },
    {
      set: {
        execution_notes: [
          "1. Set the pulley to the lowest position and attach a straight bar.",
          "2) Stand facing the stack and grip the bar with your palms up.",
          "- Curl the bar toward your shoulders without moving your elbows.",
          "**Lower** the bar slowly until your arms are straight.",
        ],
      },
    },
  ),
  broken(
    "unnormalised_muscles",
    BICEPS_CURL,
    {
      equipment: ["ez-bar"],
      setup: ["Grip the bar on the angled handles with your palms turned slightly in."],
      description: "The angled grip of the EZ bar is easier on the wrists than a straight bar.",
    },
    {
      set: {
        muscles: { primary: ["Biceps_Brachii", "Brachialis"], secondary: ["forearms"], category: ["arms"] },
      },
    },
  ),
  // shoulder_press: two exercises share the primary equipment "dumbbell" in a multi-equipment family.
  broken("shared_primary_equipment", SHOULDER_PRESS, {
    equipment: ["barbell"],
    setup: ["Stand with the barbell racked on your front shoulders and grip it just outside shoulder width."],
    description: "The barbell version allows the heaviest overhead loads.",
  }),
  broken("shared_primary_equipment", SHOULDER_PRESS, {
    equipment: ["dumbbell"],
    setup: ["Stand holding a dumbbell in each hand at shoulder height with palms facing forward."],
    description: "Dumbbells let each arm move freely and expose side-to-side imbalances.",
  }),
  broken("shared_primary_equipment", SHOULDER_PRESS, {
    name: "Seated Shoulder Press (Dumbbell)",
    equipment: ["dumbbell"],
    setup: ["Sit on an upright bench and hold a dumbbell in each hand at shoulder height."],
    description: "Sitting against a bench removes the legs so the shoulders do all the work.",
  }),
  // Renamed from "Military Press" without keeping "military-press" as an alias.
  broken(
    "old_slug_without_alias",
    SHOULDER_PRESS,
    {
      equipment: ["smith-machine"],
      setup: ["Set a bench under the bar and position the bar just in front of your face."],
      description: "The smith machine fixes the bar path for a stable overhead press.",
    },
    { id: "shoulder_press__military-press" },
  ),
  broken(
    "deprecated_fields",
    LEG_PRESS,
    {
      equipment: ["machine"],
      setup: ["Sit in the machine with your back flat against the pad and place your feet shoulder-width apart."],
      description: "The machine supports the torso so the legs can be trained hard safely.",
    },
    { set: { primary_muscles: ["quads", "glutes"], coaching_cues: ["Push through your heels"], enriched_at: "2024-03-01" } },
  ),
  broken(
    "missing_description",
    LEG_PRESS,
    {
      name: "Single-Leg Press (Machine)",
      equipment: ["machine"],
      setup: ["Sit in the machine and place one foot in the middle of the platform."],
      description: "",
      overrides: unilateral(LEG_PRESS),
    },
    { remove: ["description"] },
  ),
  broken(
    "non_canonical_enums",
    LAT_PULLDOWN,
    {
      equipment: ["cable"],
      setup: ["Sit at the station with your thighs under the pads and grip the bar wider than your shoulders."],
      description: "The cable version keeps steady tension on the lats.",
    },
    { set: { category: "Strength", movement: { type: "Vertical Pull", split: "Upper Body" } } },
  ),
  broken(
    "name_slug_mismatch",
    LAT_PULLDOWN,
    {
      equipment: ["machine"],
      setup: ["Adjust the seat so your thighs fit under the pads and grip the handles overhead."],
      description: "The machine version follows a fixed arc and suits training close to failure.",
    },
    { set: { name_slug: "lat-pull-down-machine" } },
  ),
  broken(
    "style_issues_only",
    CHEST_FLY,
    {
      equipment: ["cable"],
      setup: [],
      description: "The cable version keeps tension on the chest at the point of full contraction.",
    },
    {
      set: {
        execution_notes: [
          "I stand between the two pulleys with a handle in each hand.",
          "The lifter brings the handles together in front of the chest.",
          "Squeeze hard.",
          "Return slowly.",
        ],
        common_mistakes: ["Elbows: bending them too much.", "Arms dropping too far back."],
      },
    },
  ),
  broken(
    "merged_without_target",
    CHEST_FLY,
    {
      equipment: ["machine"],
      setup: ["Sit in the machine with your back against the pad and grip the handles at chest height."],
      description: "The machine version guides the arc so the chest can be trained close to failure.",
    },
    { set: { status: "merged" } },
  ),
];

export const BROKEN_ALIASES: readonly BrokenAlias[] = [
  {
    id: "kettlebell-bench-press",
    defect: "orphaned_exercise_alias",
    data: { alias_slug: "kettlebell-bench-press", exercise_id: "bench_press__bench-press-kettlebell", is_family_alias: false },
  },
  {
    id: "pec_deck",
    defect: "orphaned_family_alias",
    data: { alias_slug: "pec_deck", family_slug: "pec_deck", is_family_alias: true },
  },
  {
    id: "overhead-press",
    defect: "both_targets",
    data: { alias_slug: "overhead-press", exercise_id: "shoulder_press__shoulder-press-barbell", family_slug: "shoulder_press" },
  },
  {
    id: "biceps-curl-barbell",
    defect: "no_target",
    data: { alias_slug: "biceps-curl-barbell", exercise_id: null, is_family_alias: false },
  },
  {
    id: "db-curl",
    defect: "family_flag_mismatch",
    data: { alias_slug: "db-curl", exercise_id: "biceps_curl__alternating-biceps-curl", is_family_alias: true },
  },
];
