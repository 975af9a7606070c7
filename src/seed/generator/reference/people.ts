/** People of the generated data set: team members, nationalities with their names, phones and email domains. */
import { de, en_AU, en_IN, fr, id_ID, it, type LocaleDefinition, nl } from '@faker-js/faker';

import { Role } from '../../../modules/tenancy/role.js';

/** The five team members of a seeded tenant. */
export function seedMembers(slug: string): { email: string; name: string; role: Role }[] {
  return [
    { email: `manager1@${slug}.example`, name: 'Ayu Lestari', role: Role.MANAGER },
    { email: `agent1@${slug}.example`, name: 'Made Wirawan', role: Role.AGENT },
    { email: `agent2@${slug}.example`, name: 'Komang Sari', role: Role.AGENT },
    { email: `agent3@${slug}.example`, name: 'Putu Pratama', role: Role.AGENT },
    { email: `viewer1@${slug}.example`, name: 'Nyoman Dewi', role: Role.VIEWER },
  ];
}

/** Hand-written romanised names of a nationality. */
export interface NameList {
  male: readonly string[];
  female: readonly string[];
  last: readonly string[];
  /** Surname of a woman from the (male) surname, e.g. Ivanov → Ivanova. */
  feminine?: (last: string) => string;
}

/** A nationality of generated clients. */
export interface Nationality {
  name: string;
  weight: number;
  /** Country calling code for home-country phone numbers. */
  callingCode: string;
  /** First digits of home-country mobile numbers (after the calling code), and how many digits follow. */
  mobilePrefixes: readonly string[];
  mobileDigits: number;
  /** Faker locale of the names, or hand-written romanised names. */
  locale?: LocaleDefinition;
  names?: NameList;
  domains: readonly string[];
}

const ENGLISH: NameList = {
  male: ['James', 'Oliver', 'Jack', 'William', 'Thomas', 'Noah', 'Liam', 'Ethan', 'Henry', 'Daniel', 'Matthew'],
  female: ['Olivia', 'Charlotte', 'Amelia', 'Emily', 'Isla', 'Grace', 'Sophie', 'Jessica', 'Hannah', 'Lucy', 'Sarah'],
  last: [
    'Smith',
    'Jones',
    'Williams',
    'Brown',
    'Taylor',
    'Wilson',
    'Johnson',
    'Davies',
    'Evans',
    'Roberts',
    'Walker',
    'Wright',
    'Thompson',
    'White',
    'Hughes',
    'Green',
    'Hall',
    'Harris',
    'Clarke',
    'Robinson',
    'Kelly',
    'Murphy',
    'Campbell',
    'Miller',
    'Mitchell',
    'Cooper',
    'Baker',
    'Turner',
  ],
};
const RUSSIAN: NameList = {
  male: ['Alexei', 'Dmitry', 'Ivan', 'Sergei', 'Andrei', 'Mikhail', 'Nikolai', 'Pavel', 'Vladimir', 'Artem', 'Maxim'],
  female: ['Olga', 'Anna', 'Elena', 'Natalia', 'Tatiana', 'Maria', 'Irina', 'Ekaterina', 'Svetlana', 'Yulia', 'Daria'],
  last: ['Ivanov', 'Smirnov', 'Kuznetsov', 'Popov', 'Sokolov', 'Lebedev', 'Kozlov', 'Novikov', 'Morozov', 'Petrov'],
  feminine: (last) => `${last}a`,
};
const JAPANESE: NameList = {
  male: ['Haruto', 'Yuto', 'Sota', 'Ren', 'Takumi', 'Kenji', 'Hiroshi', 'Daiki', 'Kaito', 'Shota'],
  female: ['Yui', 'Aoi', 'Hina', 'Sakura', 'Yuki', 'Mei', 'Emi', 'Akiko', 'Haruka', 'Naomi'],
  last: ['Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Kato'],
};
const KOREAN: NameList = {
  male: ['Min-jun', 'Ji-ho', 'Do-yun', 'Seo-jun', 'Hyun-woo', 'Jae-won', 'Sung-min', 'Tae-yang'],
  female: ['Seo-yeon', 'Ha-eun', 'Ji-woo', 'Su-bin', 'Ye-jin', 'Eun-ji', 'Min-seo', 'Hye-jin'],
  last: ['Kim', 'Lee', 'Park', 'Choi', 'Jung', 'Kang', 'Cho', 'Yoon', 'Jang', 'Lim', 'Han', 'Shin'],
};
const CHINESE: NameList = {
  male: ['Wei', 'Hao', 'Jun', 'Lei', 'Tao', 'Ming', 'Yong', 'Jian', 'Bo', 'Qiang'],
  female: ['Fang', 'Jing', 'Li Na', 'Min', 'Xiu Ying', 'Yan', 'Xin', 'Yu', 'Mei', 'Ting'],
  last: ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Huang', 'Zhao', 'Wu', 'Zhou', 'Xu', 'Sun'],
};
const SINGAPOREAN: NameList = {
  male: ['Wei Ming', 'Jun Jie', 'Kai Wen', 'Darren', 'Marcus', 'Muhammad Faris', 'Arjun', 'Zhi Hao'],
  female: ['Jia Hui', 'Xin Yi', 'Shu Fen', 'Rachel', 'Nurul Aisyah', 'Priya', 'Hui Min', 'Sharon'],
  last: ['Tan', 'Lim', 'Lee', 'Ng', 'Ong', 'Wong', 'Goh', 'Chua', 'Chan', 'Koh', 'Teo', 'Rahman'],
};

/** Indonesian mobile prefixes (Telkomsel, Indosat, XL, Tri). */
export const ID_MOBILE_PREFIXES = [
  '811',
  '812',
  '813',
  '821',
  '822',
  '852',
  '853',
  '857',
  '858',
  '877',
  '878',
  '895',
  '896',
];

/** The nationalities of generated people, with their weights. */
export const NATIONALITIES: readonly Nationality[] = [
  nationality('Australian', 18, en_AU, '61', ['4'], 8, 'au'),
  nationality('Italian', 8, it, '39', ['320', '328', '333', '340', '347', '349'], 7, 'it'),
  nationality('German', 8, de, '49', ['151', '152', '160', '162', '170', '171', '176'], 8, 'de'),
  nationality('Dutch', 6, nl, '31', ['6'], 8, 'nl'),
  nationality('French', 7, fr, '33', ['6', '7'], 8, 'fr'),
  nationality('American', 9, ENGLISH, '1', ['212', '310', '415', '512', '617', '646', '808', '917'], 7, 'us'),
  nationality('British', 9, ENGLISH, '44', ['7'], 9, 'uk'),
  nationality('Russian', 7, RUSSIAN, '7', ['9'], 9, 'ru'),
  nationality('Japanese', 4, JAPANESE, '81', ['70', '80', '90'], 8, 'jp'),
  nationality('Korean', 4, KOREAN, '82', ['10'], 8, 'kr'),
  nationality('Chinese', 5, CHINESE, '86', ['13', '15', '18'], 9, 'cn'),
  nationality('Indian', 5, en_IN, '91', ['7', '8', '9'], 9, 'in'),
  nationality('Singaporean', 4, SINGAPOREAN, '65', ['8', '9'], 7, 'sg'),
  nationality('Indonesian', 6, id_ID, '62', ID_MOBILE_PREFIXES, 8, 'id'),
];

/**
 * A nationality. Emails use reserved domains only (`<country>.example`, example.com, example.org:
 * RFC 2606), so no generated address can reach a real mailbox.
 */
function nationality(
  name: string,
  weight: number,
  names: LocaleDefinition | NameList,
  callingCode: string,
  mobilePrefixes: readonly string[],
  mobileDigits: number,
  country: string,
): Nationality {
  const hand = 'last' in names && Array.isArray(names.last);
  return {
    name,
    weight,
    callingCode,
    mobilePrefixes,
    mobileDigits,
    ...(hand ? { names: names as NameList } : { locale: names as LocaleDefinition }),
    domains: [`${country}.example`, 'example.com', 'example.org'],
  };
}

/** First words of generated organisation names ("PT Bali Tropical Villas"). */
export const ORG_WORDS_1 = [
  'Bali',
  'Nusa',
  'Ubud',
  'Canggu',
  'Seminyak',
  'Lombok',
  'Java',
  'Sunda',
  'Garuda',
  'Komodo',
];
/** Second words of organisation names. */
export const ORG_WORDS_2 = [
  'Tropical',
  'Island',
  'Ocean',
  'Coral',
  'Lotus',
  'Banyan',
  'Sunrise',
  'Green',
  'Blue',
  'Golden',
];
/** Third words of organisation names (or {@link ORG_WORDS_4}). */
export const ORG_WORDS_3 = [
  'Villas',
  'Hospitality',
  'Trading',
  'Ventures',
  'Consulting',
  'Wellness',
  'Surf',
  'Studio',
  'Foods',
];
/** Third words of organisation names (or {@link ORG_WORDS_3}). */
export const ORG_WORDS_4 = ['Design', 'Property', 'Logistics', 'Energy', 'Digital', 'Retreats', 'Coffee', 'Furniture'];
