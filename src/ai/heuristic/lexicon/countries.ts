/** Countries for the heuristic extractor: names and demonyms in English, Italian and Indonesian, and calling codes. */

/** A country as the extractor knows it. */
export interface Country {
  demonym: string;
  /** Country names (English, Italian, Indonesian), lower case. */
  names: string[];
  /** Adjectives/demonyms (English, Italian), lower case. */
  adjectives: string[];
}

/** Every country the extractor recognises. */
export const COUNTRIES: Country[] = [
  {
    demonym: 'Italian',
    names: ['italy', 'italia'],
    adjectives: ['italian', 'italians', 'italiano', 'italiana', 'italiani', 'italiane'],
  },
  {
    demonym: 'German',
    names: ['germany', 'germania', 'jerman', 'deutschland'],
    adjectives: ['german', 'germans', 'tedesco', 'tedesca', 'tedeschi', 'tedesche'],
  },
  {
    demonym: 'French',
    names: ['france', 'francia', 'prancis', 'perancis'],
    adjectives: ['french', 'francese', 'francesi'],
  },
  {
    demonym: 'Spanish',
    names: ['spain', 'spagna', 'spanyol'],
    adjectives: ['spanish', 'spaniard', 'spagnolo', 'spagnola', 'spagnoli'],
  },
  {
    demonym: 'Dutch',
    names: ['the netherlands', 'netherlands', 'holland', 'olanda', 'paesi bassi', 'belanda'],
    adjectives: ['dutch', 'olandese', 'olandesi'],
  },
  { demonym: 'Belgian', names: ['belgium', 'belgio', 'belgia'], adjectives: ['belgian', 'belga', 'belgi'] },
  {
    demonym: 'Swiss',
    names: ['switzerland', 'svizzera', 'swiss'],
    adjectives: ['swiss', 'svizzero', 'svizzera', 'svizzeri'],
  },
  { demonym: 'Austrian', names: ['austria'], adjectives: ['austrian', 'austriaco', 'austriaca', 'austriaci'] },
  {
    demonym: 'British',
    names: [
      'the uk',
      'uk',
      'united kingdom',
      'england',
      'great britain',
      'britain',
      'scotland',
      'wales',
      'regno unito',
      'inghilterra',
      'scozia',
      'inggris',
      'britania raya',
      'skotlandia',
    ],
    adjectives: [
      'british',
      'english',
      'scottish',
      'welsh',
      'brit',
      'britannico',
      'britannica',
      'inglese',
      'inglesi',
      'scozzese',
    ],
  },
  { demonym: 'Irish', names: ['ireland', 'irlanda', 'irlandia'], adjectives: ['irish', 'irlandese', 'irlandesi'] },
  { demonym: 'Portuguese', names: ['portugal', 'portogallo'], adjectives: ['portuguese', 'portoghese', 'portoghesi'] },
  {
    demonym: 'Polish',
    names: ['poland', 'polonia', 'polandia'],
    adjectives: ['polish', 'polacco', 'polacca', 'polacchi'],
  },
  { demonym: 'Swedish', names: ['sweden', 'svezia', 'swedia'], adjectives: ['swedish', 'swede', 'svedese', 'svedesi'] },
  {
    demonym: 'Norwegian',
    names: ['norway', 'norvegia', 'norwegia'],
    adjectives: ['norwegian', 'norvegese', 'norvegesi'],
  },
  { demonym: 'Danish', names: ['denmark', 'danimarca'], adjectives: ['danish', 'dane', 'danese', 'danesi'] },
  { demonym: 'Finnish', names: ['finland', 'finlandia'], adjectives: ['finnish', 'finlandese'] },
  { demonym: 'Russian', names: ['russia', 'rusia'], adjectives: ['russian', 'russo', 'russa', 'russi'] },
  { demonym: 'Ukrainian', names: ['ukraine', 'ucraina', 'ukraina'], adjectives: ['ukrainian', 'ucraino', 'ucraina'] },
  {
    demonym: 'Czech',
    names: ['czech republic', 'czechia', 'repubblica ceca', 'ceko'],
    adjectives: ['czech', 'ceco', 'ceca'],
  },
  { demonym: 'Greek', names: ['greece', 'grecia', 'yunani'], adjectives: ['greek', 'greco', 'greca'] },
  { demonym: 'Hungarian', names: ['hungary', 'ungheria', 'hungaria'], adjectives: ['hungarian', 'ungherese'] },
  { demonym: 'Romanian', names: ['romania', 'rumania'], adjectives: ['romanian', 'rumeno', 'rumena'] },
  { demonym: 'Turkish', names: ['turkey', 'türkiye', 'turchia', 'turki'], adjectives: ['turkish', 'turco', 'turca'] },
  { demonym: 'Israeli', names: ['israel', 'israele'], adjectives: ['israeli', 'israeliano', 'israeliana'] },
  {
    demonym: 'American',
    names: [
      'the united states',
      'united states',
      'the usa',
      'usa',
      'the us',
      'us',
      'u.s.',
      'u.s.a.',
      'america',
      'stati uniti',
      'amerika serikat',
      'amerika',
    ],
    adjectives: ['american', 'americans', 'americano', 'americana', 'americani', 'statunitense'],
  },
  { demonym: 'Canadian', names: ['canada', 'kanada'], adjectives: ['canadian', 'canadians', 'canadese', 'canadesi'] },
  { demonym: 'Mexican', names: ['mexico', 'messico', 'meksiko'], adjectives: ['mexican', 'messicano', 'messicana'] },
  {
    demonym: 'Brazilian',
    names: ['brazil', 'brasile', 'brasil'],
    adjectives: ['brazilian', 'brasiliano', 'brasiliana'],
  },
  { demonym: 'Argentinian', names: ['argentina'], adjectives: ['argentinian', 'argentine', 'argentino', 'argentina'] },
  {
    demonym: 'Australian',
    names: ['australia'],
    adjectives: ['australian', 'australians', 'aussie', 'australiano', 'australiana', 'australiani'],
  },
  {
    demonym: 'New Zealander',
    names: ['new zealand', 'nuova zelanda', 'selandia baru'],
    adjectives: ['new zealander', 'kiwi', 'neozelandese'],
  },
  { demonym: 'Japanese', names: ['japan', 'giappone', 'jepang'], adjectives: ['japanese', 'giapponese', 'giapponesi'] },
  { demonym: 'Chinese', names: ['china', 'cina', 'tiongkok'], adjectives: ['chinese', 'cinese', 'cinesi'] },
  {
    demonym: 'South Korean',
    names: ['south korea', 'korea selatan', 'korea', 'corea del sud', 'corea'],
    adjectives: ['south korean', 'korean', 'coreano', 'coreana'],
  },
  { demonym: 'Indian', names: ['india'], adjectives: ['indian', 'indiano', 'indiana'] },
  { demonym: 'Pakistani', names: ['pakistan'], adjectives: ['pakistani'] },
  {
    demonym: 'Singaporean',
    names: ['singapore', 'singapura'],
    adjectives: ['singaporean', 'singaporiano', 'singaporiana'],
  },
  { demonym: 'Malaysian', names: ['malaysia'], adjectives: ['malaysian', 'malese'] },
  {
    demonym: 'Filipino',
    names: ['the philippines', 'philippines', 'filippine', 'filipina'],
    adjectives: ['filipino', 'filipina', 'filippino', 'filippina'],
  },
  {
    demonym: 'Thai',
    names: ['thailand', 'thailandia', 'tailandia'],
    adjectives: ['thai', 'thailandese', 'tailandese'],
  },
  { demonym: 'Vietnamese', names: ['vietnam', 'viet nam'], adjectives: ['vietnamese', 'vietnamita'] },
  {
    demonym: 'South African',
    names: ['south africa', 'sudafrica', 'afrika selatan'],
    adjectives: ['south african', 'sudafricano', 'sudafricana'],
  },
  { demonym: 'Nigerian', names: ['nigeria'], adjectives: ['nigerian', 'nigeriano', 'nigeriana'] },
  {
    demonym: 'Indonesian',
    names: ['indonesia'],
    adjectives: ['indonesian', 'indonesiano', 'indonesiana', 'indonesiani'],
  },
];
/** Country names that are ordinary words in lower case: only accepted as written in capitals. */
export const UPPERCASE_ONLY = new Set(['us', 'the us', 'uk', 'the uk']);

/** Too ambiguous alone ("English version", "Indonesian company", "Argentina"). */
export const NO_STANDALONE = new Set([
  'english',
  'inglese',
  'inglesi',
  'indonesian',
  'indonesiano',
  'indonesiana',
  'indonesiani',
  'argentina',
  'indiana',
  'svizzera',
  'kiwi',
  'dane',
  'ucraina',
  'russa',
  'filipina',
  'brit',
  'swiss',
  'turca',
]);

/** Country calling codes, and whether the national trunk prefix 0 is dropped after them. */
export const CALLING_CODES: Record<string, [code: string, dropZero: boolean]> = {
  Indonesian: ['62', true],
  British: ['44', true],
  Irish: ['353', true],
  Italian: ['39', false],
  German: ['49', true],
  French: ['33', true],
  Spanish: ['34', false],
  Dutch: ['31', true],
  Belgian: ['32', true],
  Swiss: ['41', true],
  Austrian: ['43', true],
  Portuguese: ['351', false],
  Polish: ['48', false],
  Swedish: ['46', true],
  Australian: ['61', true],
  'New Zealander': ['64', true],
  American: ['1', false],
  Canadian: ['1', false],
  Singaporean: ['65', false],
  Malaysian: ['60', true],
  Japanese: ['81', true],
  'South Korean': ['82', true],
  Chinese: ['86', true],
  Indian: ['91', true],
  Thai: ['66', true],
  Filipino: ['63', true],
  Brazilian: ['55', true],
};
