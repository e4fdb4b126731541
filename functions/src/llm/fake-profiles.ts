/**
 * What the fake LLM knows about exercises: movement patterns recognised from names, with the
 * structure and the content it writes for each, and how muscles and equipment group.
 */

import type { Category, MovementSplit, MovementType, MuscleCategory, Plane } from "../catalog/taxonomy";

/** A movement pattern recognised from the exercise name, with the content the fake writes for it. */
export interface MovementProfile {
  keywords: string[];
  category: Category;
  type: MovementType;
  split: MovementSplit;
  plane: Plane;
  muscleCategory: MuscleCategory[];
  primary: string[];
  secondary: string[];
  tag: string;
  /** The joint a suitability note warns about. */
  joint: string;
  /** One side at a time by nature (lunges), whatever the name says. */
  unilateral?: boolean;
  /** Imperative steps; the first one sets the position. `{load}` becomes "the bar", "the dumbbells", … */
  steps: string[];
  mistakes: string[];
}

/** Checked in order: specific patterns before general ones ("leg curl" before "curl"). */
export const PROFILES: MovementProfile[] = [
  {
    keywords: ["bench press", "chest press", "floor press"],
    category: "compound", type: "push", split: "upper", plane: "transverse", muscleCategory: ["chest"],
    primary: ["pectoralis major"], secondary: ["anterior deltoid", "triceps"], tag: "Horizontal Push", joint: "shoulder",
    steps: [
      "Set your shoulder blades back and down and keep your feet planted for the whole set.",
      "Lower {load} under control toward your mid-chest with your elbows about 45 degrees from your torso.",
      "Press {load} back up until your arms are straight without losing your shoulder position.",
    ],
    mistakes: ["Flaring the elbows straight out to the sides", "Bouncing the weight off the chest", "Lifting the hips off the bench to finish a rep"],
  },
  {
    keywords: ["push up", "pushup", "press up"],
    category: "compound", type: "push", split: "upper", plane: "transverse", muscleCategory: ["chest"],
    primary: ["pectoralis major"], secondary: ["triceps", "anterior deltoid", "rectus abdominis"], tag: "Horizontal Push", joint: "wrist",
    steps: [
      "Place your hands slightly wider than your shoulders and step back into a straight plank.",
      "Lower your chest toward the floor while keeping your body in one line from head to heels.",
      "Push the floor away until your arms are straight, keeping your core braced.",
    ],
    mistakes: ["Letting the hips sag toward the floor", "Flaring the elbows out wide", "Cutting the range of motion short"],
  },
  {
    keywords: ["dip"],
    category: "compound", type: "push", split: "upper", plane: "sagittal", muscleCategory: ["arms", "chest"],
    primary: ["triceps", "pectoralis major"], secondary: ["anterior deltoid"], tag: "Vertical Push", joint: "shoulder",
    steps: [
      "Support yourself on the bars with your arms straight and your shoulders pressed down.",
      "Lower your body by bending your elbows until your upper arms are about parallel to the floor.",
      "Press back up to straight arms while keeping your chest up.",
    ],
    mistakes: ["Dropping so deep that the front of the shoulders strains", "Shrugging the shoulders toward the ears", "Swinging the legs to get up"],
  },
  {
    keywords: ["overhead press", "shoulder press", "military press", "push press", "arnold press"],
    category: "compound", type: "push", split: "upper", plane: "sagittal", muscleCategory: ["shoulders"],
    primary: ["deltoid"], secondary: ["triceps", "trapezius"], tag: "Vertical Push", joint: "shoulder",
    steps: [
      "Start with {load} at shoulder height and your forearms vertical.",
      "Brace your core and squeeze your glutes so your lower back stays neutral.",
      "Press {load} straight overhead until your arms are locked out beside your ears.",
      "Lower {load} back to your shoulders under control.",
    ],
    mistakes: ["Arching the lower back to push the weight up", "Pressing the weight forward instead of straight up", "Flaring the ribs at lockout"],
  },
  {
    keywords: ["lateral raise", "side raise"],
    category: "isolation", type: "abduction", split: "upper", plane: "frontal", muscleCategory: ["shoulders"],
    primary: ["lateral deltoid"], secondary: ["trapezius"], tag: "Shoulder Width", joint: "shoulder",
    steps: [
      "Stand tall with {load} at your sides and a slight bend in your elbows.",
      "Raise your arms out to the sides until they reach shoulder height.",
      "Lower {load} slowly back to your sides without letting it swing.",
    ],
    mistakes: ["Swinging the torso to lift the weight", "Shrugging the shoulders toward the ears", "Raising the arms well above shoulder height"],
  },
  {
    keywords: ["rear delt", "reverse fly", "reverse flye", "face pull"],
    category: "isolation", type: "pull", split: "upper", plane: "transverse", muscleCategory: ["shoulders"],
    primary: ["posterior deltoid"], secondary: ["rhomboids", "trapezius"], tag: "Horizontal Pull", joint: "shoulder",
    steps: [
      "Start with your arms extended in front of you and your chest up.",
      "Pull {load} back and out by leading with your elbows until your arms line up with your shoulders.",
      "Return to the start slowly while keeping tension on the rear shoulders.",
    ],
    mistakes: ["Shrugging instead of pulling back", "Using the lower back to swing the weight", "Rushing the return phase"],
  },
  {
    keywords: ["fly", "flye", "crossover", "pec deck"],
    category: "isolation", type: "adduction", split: "upper", plane: "transverse", muscleCategory: ["chest"],
    primary: ["pectoralis major"], secondary: ["anterior deltoid"], tag: "Chest Stretch", joint: "shoulder",
    steps: [
      "Start with your arms open wide and a soft bend in your elbows.",
      "Bring {load} together in a wide arc in front of your chest.",
      "Open your arms slowly until you feel a stretch across your chest.",
    ],
    mistakes: ["Bending the elbows so the fly turns into a press", "Opening the arms past a comfortable stretch", "Using momentum to bring the weight together"],
  },
  {
    keywords: ["pull up", "pullup", "chin up", "chinup", "pulldown", "pull down"],
    category: "compound", type: "pull", split: "upper", plane: "frontal", muscleCategory: ["back"],
    primary: ["latissimus dorsi"], secondary: ["biceps", "rhomboids", "posterior deltoid"], tag: "Vertical Pull", joint: "shoulder",
    steps: [
      "Take a grip slightly wider than your shoulders with your arms fully extended.",
      "Pull your shoulder blades down and back to start each rep.",
      "Drive your elbows down toward your ribs until your upper chest nears the bar or handle.",
      "Return to full arm extension under control before the next rep.",
    ],
    mistakes: ["Swinging or kipping to finish a rep", "Cutting the range short at the bottom", "Pulling with the arms while the shoulders stay shrugged"],
  },
  {
    keywords: ["row"],
    category: "compound", type: "pull", split: "upper", plane: "sagittal", muscleCategory: ["back"],
    primary: ["latissimus dorsi", "rhomboids"], secondary: ["biceps", "posterior deltoid", "trapezius"], tag: "Horizontal Pull", joint: "lower back",
    steps: [
      "Brace into position with a flat back and your arms hanging straight.",
      "Row {load} toward your lower ribs by driving your elbows back.",
      "Squeeze your shoulder blades together briefly at the top.",
      "Lower {load} under control until your arms are straight again.",
    ],
    mistakes: ["Rounding the upper back during the pull", "Jerking the weight up with the hips", "Shrugging the shoulders toward the ears"],
  },
  {
    keywords: ["shrug"],
    category: "isolation", type: "other", split: "upper", plane: "frontal", muscleCategory: ["back"],
    primary: ["trapezius"], secondary: ["forearms"], tag: "Upper Back", joint: "neck",
    steps: [
      "Stand tall with {load} hanging at arm's length.",
      "Lift your shoulders straight up toward your ears as high as you can.",
      "Hold the top for a moment, then lower your shoulders slowly.",
    ],
    mistakes: ["Rolling the shoulders in circles", "Bending the elbows to lift the weight", "Cutting the range short at the top"],
  },
  {
    keywords: ["hip thrust", "glute bridge", "bridge"],
    category: "compound", type: "hinge", split: "lower", plane: "sagittal", muscleCategory: ["legs"],
    primary: ["glutes"], secondary: ["hamstrings"], tag: "Hip Extension", joint: "lower back",
    steps: [
      "Set your upper back on a bench or the floor with your feet planted hip-width apart.",
      "Tuck your chin and ribs slightly and drive through your heels to lift your hips.",
      "Squeeze your glutes at the top until your hips line up with your knees and shoulders.",
      "Lower your hips under control without losing tension.",
    ],
    mistakes: ["Arching the lower back instead of extending the hips", "Pushing through the toes rather than the heels", "Letting the knees cave inward"],
  },
  {
    keywords: ["deadlift", "rdl", "romanian", "good morning", "swing", "pull through", "hip hinge"],
    category: "compound", type: "hinge", split: "lower", plane: "sagittal", muscleCategory: ["legs", "back"],
    primary: ["hamstrings", "glutes"], secondary: ["erector spinae", "adductors", "forearms"], tag: "Hip Hinge", joint: "lower back",
    steps: [
      "Stand with your feet hip-width apart and {load} close to your body.",
      "Push your hips back and let your knees bend slightly while your spine stays neutral.",
      "Drive your hips forward to stand tall and squeeze your glutes at the top.",
      "Lower {load} along the same path by hinging at the hips again.",
    ],
    mistakes: ["Rounding the lower back", "Letting the weight drift away from the legs", "Hyperextending the back at lockout"],
  },
  {
    keywords: ["lunge", "split squat", "step up", "bulgarian"],
    category: "compound", type: "squat", split: "lower", plane: "sagittal", muscleCategory: ["legs"],
    primary: ["quadriceps", "glutes"], secondary: ["hamstrings", "adductors"], tag: "Unilateral Strength", joint: "knee", unilateral: true,
    steps: [
      "Take a long split stance with your front foot flat and your back heel raised.",
      "Lower straight down until your back knee nearly touches the floor.",
      "Push through your front foot to return to the top, keeping your torso tall.",
      "Finish all reps on one side before switching legs.",
    ],
    mistakes: ["Letting the front knee cave inward", "Taking a stance so short that the front heel lifts", "Leaning the torso far forward"],
  },
  {
    keywords: ["squat", "leg press", "goblet"],
    category: "compound", type: "squat", split: "lower", plane: "sagittal", muscleCategory: ["legs"],
    primary: ["quadriceps", "glutes"], secondary: ["hamstrings", "adductors", "erector spinae"], tag: "Knee Dominant", joint: "knee",
    steps: [
      "Set your feet about shoulder-width apart with your toes turned slightly out.",
      "Brace your core and sit down between your hips while your chest stays up.",
      "Descend until your thighs are at least parallel to the floor or as deep as you can control.",
      "Drive through your whole foot to stand up, keeping your knees in line with your toes.",
    ],
    mistakes: ["Letting the knees cave inward", "Rising onto the toes", "Rounding the lower back at the bottom"],
  },
  {
    keywords: ["leg extension", "knee extension"],
    category: "isolation", type: "extension", split: "lower", plane: "sagittal", muscleCategory: ["legs"],
    primary: ["quadriceps"], secondary: [], tag: "Quad Focus", joint: "knee",
    steps: [
      "Sit with your back against the pad and the roller just above your ankles.",
      "Extend your knees until your legs are straight and squeeze your quadriceps.",
      "Lower the weight slowly until your knees are bent about 90 degrees.",
    ],
    mistakes: ["Kicking the weight up with momentum", "Lifting the hips off the seat", "Dropping the weight quickly on the way down"],
  },
  {
    keywords: ["leg curl", "hamstring curl", "nordic"],
    category: "isolation", type: "flexion", split: "lower", plane: "sagittal", muscleCategory: ["legs"],
    primary: ["hamstrings"], secondary: ["calves"], tag: "Hamstring Focus", joint: "knee",
    steps: [
      "Line your knees up with the pivot point and set the pad just above your heels.",
      "Curl your heels toward your glutes as far as you can.",
      "Lower slowly until your legs are almost straight.",
    ],
    mistakes: ["Lifting the hips to finish the curl", "Letting the weight drop on the way down", "Cutting the range short at the top"],
  },
  {
    keywords: ["calf raise", "calf press"],
    category: "isolation", type: "extension", split: "lower", plane: "sagittal", muscleCategory: ["legs"],
    primary: ["calves"], secondary: [], tag: "Lower Leg", joint: "ankle",
    steps: [
      "Stand with the balls of your feet on a raised edge and your heels free.",
      "Rise onto your toes as high as you can and pause at the top.",
      "Lower your heels slowly below the edge for a full stretch.",
    ],
    mistakes: ["Bouncing out of the bottom position", "Bending the knees to help the lift", "Using only a partial range of motion"],
  },
  {
    keywords: ["triceps", "tricep", "pushdown", "push down", "skull crusher", "skullcrusher", "kickback", "french press"],
    category: "isolation", type: "extension", split: "upper", plane: "sagittal", muscleCategory: ["arms"],
    primary: ["triceps"], secondary: [], tag: "Arm Development", joint: "elbow",
    steps: [
      "Set your upper arms in place beside your head or torso and keep them still for the whole set.",
      "Extend your elbows until your arms are straight and squeeze your triceps.",
      "Bend your elbows slowly to return {load} to the start.",
    ],
    mistakes: ["Letting the elbows drift forward and apart", "Swinging the torso to move the weight", "Stopping short of full elbow extension"],
  },
  {
    keywords: ["curl"],
    category: "isolation", type: "flexion", split: "upper", plane: "sagittal", muscleCategory: ["arms"],
    primary: ["biceps"], secondary: ["brachialis", "forearms"], tag: "Arm Development", joint: "elbow",
    steps: [
      "Stand tall with {load} at arm's length and your elbows at your sides.",
      "Curl {load} up by bending your elbows without moving your upper arms.",
      "Squeeze your biceps at the top, then lower {load} slowly to full extension.",
    ],
    mistakes: ["Swinging the torso to lift the weight", "Letting the elbows drift forward", "Dropping the weight instead of lowering it"],
  },
  {
    keywords: ["carry", "farmer", "suitcase"],
    category: "compound", type: "carry", split: "full_body", plane: "sagittal", muscleCategory: ["full_body"],
    primary: ["forearms", "trapezius"], secondary: ["obliques", "glutes"], tag: "Grip Strength", joint: "lower back",
    steps: [
      "Pick up {load} with a neutral spine and stand tall.",
      "Walk with short, controlled steps while keeping your shoulders level.",
      "Keep your core braced so your torso does not lean or twist.",
      "Set {load} down with control at the end of each distance.",
    ],
    mistakes: ["Leaning to one side under the load", "Taking long, rushed strides", "Letting the shoulders round forward"],
  },
  {
    keywords: ["plank", "dead bug", "hollow", "ab wheel", "rollout", "bird dog"],
    category: "core", type: "other", split: "core", plane: "sagittal", muscleCategory: ["core"],
    primary: ["rectus abdominis", "transverse abdominis"], secondary: ["obliques"], tag: "Anti-Extension", joint: "lower back",
    steps: [
      "Set your hands or forearms under your shoulders and extend your legs behind you.",
      "Brace your core as if preparing for a punch and tuck your ribs down.",
      "Hold a straight line from head to heels without letting your hips sag or pike.",
    ],
    mistakes: ["Letting the hips sag toward the floor", "Holding the breath for the whole set", "Arching the lower back"],
  },
  {
    keywords: ["twist", "woodchop", "wood chop", "pallof", "rotation"],
    category: "core", type: "rotation", split: "core", plane: "transverse", muscleCategory: ["core"],
    primary: ["obliques"], secondary: ["rectus abdominis", "transverse abdominis"], tag: "Rotational Strength", joint: "lower back",
    steps: [
      "Stand side-on to the resistance with your feet hip-width apart and your hips square.",
      "Rotate through your upper back in a smooth, controlled arc.",
      "Return to the center slowly without letting your lower back twist.",
    ],
    mistakes: ["Twisting from the lower back instead of the upper back", "Using momentum instead of control", "Letting the hips rotate with the shoulders"],
  },
  {
    keywords: ["crunch", "sit up", "situp", "leg raise", "knee raise", "v up", "toes to bar"],
    category: "core", type: "flexion", split: "core", plane: "sagittal", muscleCategory: ["core"],
    primary: ["rectus abdominis"], secondary: ["obliques", "hip flexors"], tag: "Trunk Flexion", joint: "lower back",
    steps: [
      "Set up lying or hanging with your core gently braced and your lower back controlled.",
      "Contract your abs to curl your torso and pelvis toward each other.",
      "Pause briefly at the top and exhale fully.",
    ],
    mistakes: ["Pulling on the neck with the hands", "Using momentum to swing up", "Letting the lower back arch on the way down"],
  },
];

export const CARDIO_PROFILE: MovementProfile = {
  keywords: ["run", "sprint", "jog", "bike", "cycling", "rowing", "elliptical", "jump rope", "burpee", "jumping jack"],
  category: "cardio", type: "other", split: "full_body", plane: "sagittal", muscleCategory: ["full_body"],
  primary: ["quadriceps", "glutes", "calves"], secondary: ["hamstrings"], tag: "Aerobic Base", joint: "knee",
  steps: [
    "Start at an easy pace for a few minutes to warm up.",
    "Settle into a steady rhythm with relaxed shoulders and a tall posture.",
    "Raise the intensity gradually to your target effort for the interval or session.",
    "Finish with a few minutes at an easy pace to cool down.",
  ],
  mistakes: ["Starting too fast and fading early", "Hunching the shoulders and upper back", "Skipping the warm-up and cool-down"],
};

export const MOBILITY_PROFILE: MovementProfile = {
  keywords: ["stretch", "mobility", "cat cow", "world's greatest"],
  category: "mobility", type: "other", split: "full_body", plane: "multi-plane", muscleCategory: ["full_body"],
  primary: [], secondary: [], tag: "Joint Health", joint: "joint",
  steps: [
    "Move into the starting position slowly and breathe calmly.",
    "Ease into the stretch until you feel tension without pain.",
    "Hold or move through the range for several slow breaths.",
    "Return to the start with control before the next repetition.",
  ],
  mistakes: ["Bouncing at the end of the range", "Holding the breath during the stretch", "Forcing the range past a comfortable tension"],
};

/** For names no pattern recognises: generic but valid content; structure comes from category and muscles. */
export const GENERIC_PROFILE: MovementProfile = {
  keywords: [],
  category: "compound", type: "other", split: "full_body", plane: "sagittal", muscleCategory: ["full_body"],
  primary: [], secondary: [], tag: "Movement Quality", joint: "joint",
  steps: [
    "Set your stance and brace your core before each rep.",
    "Move {load} through the full range you can control.",
    "Pause briefly at the hardest point of the rep.",
    "Return to the start under control.",
  ],
  mistakes: ["Using momentum instead of muscle", "Cutting the range of motion short", "Losing a neutral spine under fatigue"],
};

export const MUSCLE_CATEGORY_BY_MUSCLE: Record<string, MuscleCategory> = {
  "pectoralis major": "chest", "pectoralis minor": "chest", "serratus anterior": "chest",
  "latissimus dorsi": "back", rhomboids: "back", trapezius: "back", "erector spinae": "back", "teres major": "back",
  deltoid: "shoulders", "anterior deltoid": "shoulders", "lateral deltoid": "shoulders", "posterior deltoid": "shoulders", "rotator cuff": "shoulders",
  biceps: "arms", triceps: "arms", brachialis: "arms", brachioradialis: "arms", forearms: "arms",
  quadriceps: "legs", hamstrings: "legs", glutes: "legs", calves: "legs", adductors: "legs", abductors: "legs", "hip flexors": "legs",
  "rectus abdominis": "core", obliques: "core", "transverse abdominis": "core",
};

export const BAR_EQUIPMENT = ["barbell", "ez-bar", "trap-bar", "smith-machine"];
export const SELF_LOADED_EQUIPMENT = ["bodyweight", "pull-up-bar", "dip-station", "suspension-trainer"];
export const CARDIO_MACHINES = ["treadmill", "rowing-machine", "bike", "elliptical"];
export const GUIDED_EQUIPMENT = ["machine", "cable", "smith-machine"];
